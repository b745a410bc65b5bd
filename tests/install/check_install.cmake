# The three ways a CMake project consumes polymcp, each built and run:
#   1. find_package(polymcp CONFIG REQUIRED) from an install of BINARY_DIR,
#      header-only (polymcp::polymcp) and separately compiled (polymcp::compiled);
#   2. find_package(polymcp CONFIG REQUIRED COMPONENTS ...): only the named
#      components' dependencies are looked for, and an unknown component fails;
#   3. add_subdirectory() of a clean copy of the sources (CMakeLists.txt,
#      cmake/, include/), linking component targets.
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
execute_process(COMMAND ${CMAKE_COMMAND} --install "${BINARY_DIR}" --prefix "${WORK_DIR}/prefix"
                RESULT_VARIABLE rc OUTPUT_QUIET)
if(rc)
  message(FATAL_ERROR "install failed: ${rc}")
endif()

set(main_cpp [=[
#include <polymcp/protocol/jsonrpc.hpp>
#include <polymcp/core/version.hpp>
#include <cstdio>
int main() {
    auto r = polymcp::jsonrpc::parse(R"({"jsonrpc":"2.0","id":1,"method":"ping"})");
    std::printf("polymcp %s %s\n", polymcp::version_string, r ? "ok" : "bad");
    return r ? 0 : 1;
}
]=])

# consume(<name> <CMakeLists body> <programs> [<expected configure failure regex>])
function(consume name body programs)
  set(dir "${WORK_DIR}/${name}")
  file(WRITE "${dir}/CMakeLists.txt" "cmake_minimum_required(VERSION 3.20)\nproject(${name} LANGUAGES CXX)\n${body}")
  file(WRITE "${dir}/main.cpp" "${main_cpp}")
  execute_process(COMMAND ${CMAKE_COMMAND} -S "${dir}" -B "${dir}/build" -G Ninja
                          -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix -DCMAKE_CXX_COMPILER_LAUNCHER=ccache
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(ARGC GREATER 3)
    if(NOT rc OR NOT "${out}${err}" MATCHES "${ARGV3}")
      message(FATAL_ERROR "${name}: configuring should have failed with \"${ARGV3}\":\n${out}${err}")
    endif()
    message(STATUS "${name}: refused as expected")
    return()
  endif()
  if(rc)
    message(FATAL_ERROR "${name}: configure failed:\n${out}${err}")
  endif()
  execute_process(COMMAND ${CMAKE_COMMAND} --build "${dir}/build" RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(rc)
    message(FATAL_ERROR "${name}: build failed:\n${out}${err}")
  endif()
  foreach(exe IN LISTS programs)
    execute_process(COMMAND "${dir}/build/${exe}" RESULT_VARIABLE rc OUTPUT_VARIABLE out)
    if(rc OR NOT out MATCHES "polymcp 0.1.0 ok")
      message(FATAL_ERROR "${name}/${exe} run failed: ${rc} ${out}")
    endif()
    message(STATUS "${name}/${exe}: ${out}")
  endforeach()
endfunction()

consume(find_package_all [=[
find_package(polymcp 0.1 CONFIG REQUIRED)
foreach(t polymcp::polymcp polymcp::compiled polymcp::sqlite polymcp::redis polymcp::postgres polymcp::https
          polymcp::connectors polymcp::connectors_compiled)
  if(NOT TARGET ${t})
    message(FATAL_ERROR "find_package(polymcp) without COMPONENTS: no ${t}")
  endif()
endforeach()
add_executable(consumer main.cpp)
target_link_libraries(consumer PRIVATE polymcp::polymcp)
add_executable(consumer_compiled main.cpp)
target_link_libraries(consumer_compiled PRIVATE polymcp::compiled)
]=] "consumer;consumer_compiled")

consume(find_package_components [=[
find_package(polymcp 0.1 CONFIG REQUIRED COMPONENTS sqlite https)
# Asked: sqlite, https (which needs http, which needs crypto). Not asked:
# the HTTP client parts (libcurl), Redis, PostgreSQL.
foreach(t polymcp::sqlite polymcp::https polymcp::http polymcp::crypto polymcp::http_compiled)
  if(NOT TARGET ${t})
    message(FATAL_ERROR "COMPONENTS sqlite https: no ${t}")
  endif()
endforeach()
foreach(t polymcp::redis polymcp::postgres polymcp::client_http polymcp::jwks polymcp::connectors)
  if(TARGET ${t})
    message(FATAL_ERROR "COMPONENTS sqlite https: ${t} was loaded")
  endif()
endforeach()
foreach(p CURL Hiredis PostgreSQL)
  if(DEFINED ${p}_FOUND)
    message(FATAL_ERROR "COMPONENTS sqlite https: ${p} was looked for")
  endif()
endforeach()
if(NOT SQLite3_FOUND OR NOT OpenSSL_FOUND)
  message(FATAL_ERROR "COMPONENTS sqlite https: SQLite3 or OpenSSL was not looked for")
endif()
add_executable(consumer main.cpp)
target_link_libraries(consumer PRIVATE polymcp::compiled polymcp::sqlite polymcp::https_compiled)
]=] "consumer")

consume(find_package_unknown_component [=[
find_package(polymcp 0.1 CONFIG REQUIRED COMPONENTS sqlite grpc)
]=] "" "without the component 'grpc'")

# A clean copy of what a checkout holds for a parent project.
file(MAKE_DIRECTORY "${WORK_DIR}/checkout")
file(COPY "${SOURCE_DIR}/CMakeLists.txt" "${SOURCE_DIR}/cmake" "${SOURCE_DIR}/include" DESTINATION "${WORK_DIR}/checkout")
consume(add_subdirectory "set(POLYMCP_BUILD_COMPILED OFF CACHE BOOL \"\")
add_subdirectory(\"${WORK_DIR}/checkout\" polymcp)
foreach(t polymcp::polymcp polymcp::sqlite polymcp::https polymcp::connectors)
  if(NOT TARGET \${t})
    message(FATAL_ERROR \"add_subdirectory: no \${t}\")
  endif()
endforeach()
add_executable(consumer main.cpp)
target_link_libraries(consumer PRIVATE polymcp::polymcp polymcp::sqlite polymcp::https)
" "consumer")
