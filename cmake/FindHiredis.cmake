# FindHiredis: the hiredis C client for Redis (https://github.com/redis/hiredis;
# Debian package libhiredis-dev). Defines Hiredis_FOUND, Hiredis_INCLUDE_DIR,
# Hiredis_LIBRARY, Hiredis_VERSION and the imported target Hiredis::Hiredis.
find_path(Hiredis_INCLUDE_DIR NAMES hiredis/hiredis.h)
find_library(Hiredis_LIBRARY NAMES hiredis)
if(Hiredis_INCLUDE_DIR AND EXISTS "${Hiredis_INCLUDE_DIR}/hiredis/hiredis.h")
  file(STRINGS "${Hiredis_INCLUDE_DIR}/hiredis/hiredis.h" _hr_ver REGEX "^#define HIREDIS_(MAJOR|MINOR|PATCH) [0-9]+")
  string(REGEX REPLACE ".*MAJOR ([0-9]+).*" "\\1" _hr_major "${_hr_ver}")
  string(REGEX REPLACE ".*MINOR ([0-9]+).*" "\\1" _hr_minor "${_hr_ver}")
  string(REGEX REPLACE ".*PATCH ([0-9]+).*" "\\1" _hr_patch "${_hr_ver}")
  set(Hiredis_VERSION "${_hr_major}.${_hr_minor}.${_hr_patch}")
endif()
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(Hiredis REQUIRED_VARS Hiredis_LIBRARY Hiredis_INCLUDE_DIR
                                  VERSION_VAR Hiredis_VERSION)
if(Hiredis_FOUND AND NOT TARGET Hiredis::Hiredis)
  add_library(Hiredis::Hiredis UNKNOWN IMPORTED)
  set_target_properties(Hiredis::Hiredis PROPERTIES
    IMPORTED_LOCATION "${Hiredis_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${Hiredis_INCLUDE_DIR}")
endif()
mark_as_advanced(Hiredis_INCLUDE_DIR Hiredis_LIBRARY)
