# Installs polymcp from BINARY_DIR into a fresh prefix, then configures and
# builds a consumer that uses find_package(polymcp CONFIG REQUIRED).
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}/consumer")
execute_process(COMMAND ${CMAKE_COMMAND} --install "${BINARY_DIR}" --prefix "${WORK_DIR}/prefix"
                RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "install failed: ${rc}")
endif()
file(WRITE "${WORK_DIR}/consumer/CMakeLists.txt" [=[
cmake_minimum_required(VERSION 3.20)
project(consumer LANGUAGES CXX)
find_package(polymcp 0.1 CONFIG REQUIRED)
add_executable(consumer main.cpp)
target_link_libraries(consumer PRIVATE polymcp::polymcp)
# The same program against the separately compiled library.
add_executable(consumer_compiled main.cpp)
target_link_libraries(consumer_compiled PRIVATE polymcp::compiled)
]=])
file(WRITE "${WORK_DIR}/consumer/main.cpp" [=[
#include <polymcp/protocol/jsonrpc.hpp>
#include <polymcp/core/version.hpp>
#include <cstdio>
int main() {
    auto r = polymcp::jsonrpc::parse(R"({"jsonrpc":"2.0","id":1,"method":"ping"})");
    std::printf("polymcp %s %s\n", polymcp::version_string, r ? "ok" : "bad");
    return r ? 0 : 1;
}
]=])
execute_process(COMMAND ${CMAKE_COMMAND} -S "${WORK_DIR}/consumer" -B "${WORK_DIR}/consumer/build"
                        -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "consumer configure failed: ${rc}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build "${WORK_DIR}/consumer/build" RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "consumer build failed: ${rc}")
endif()
foreach(exe consumer consumer_compiled)
  execute_process(COMMAND "${WORK_DIR}/consumer/build/${exe}" RESULT_VARIABLE rc OUTPUT_VARIABLE out)
  if(rc OR NOT out MATCHES "polymcp 0.1.0 ok")
    message(FATAL_ERROR "${exe} run failed: ${rc} ${out}")
  endif()
  message(STATUS "find_package(polymcp) ${exe}: ${out}")
endforeach()
