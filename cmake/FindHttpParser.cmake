# FindHttpParser: the http-parser C library (https://github.com/nodejs/http-parser;
# Debian package libhttp-parser-dev). Defines HttpParser_FOUND,
# HttpParser_INCLUDE_DIR, HttpParser_LIBRARY and the imported target HttpParser::HttpParser.
find_path(HttpParser_INCLUDE_DIR NAMES http_parser.h)
find_library(HttpParser_LIBRARY NAMES http_parser)
if(HttpParser_INCLUDE_DIR AND EXISTS "${HttpParser_INCLUDE_DIR}/http_parser.h")
  file(STRINGS "${HttpParser_INCLUDE_DIR}/http_parser.h" _hp_ver REGEX "^#define HTTP_PARSER_VERSION_(MAJOR|MINOR|PATCH) [0-9]+")
  string(REGEX REPLACE ".*MAJOR ([0-9]+).*" "\\1" _hp_major "${_hp_ver}")
  string(REGEX REPLACE ".*MINOR ([0-9]+).*" "\\1" _hp_minor "${_hp_ver}")
  string(REGEX REPLACE ".*PATCH ([0-9]+).*" "\\1" _hp_patch "${_hp_ver}")
  set(HttpParser_VERSION "${_hp_major}.${_hp_minor}.${_hp_patch}")
endif()
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(HttpParser REQUIRED_VARS HttpParser_LIBRARY HttpParser_INCLUDE_DIR
                                  VERSION_VAR HttpParser_VERSION)
if(HttpParser_FOUND AND NOT TARGET HttpParser::HttpParser)
  add_library(HttpParser::HttpParser UNKNOWN IMPORTED)
  set_target_properties(HttpParser::HttpParser PROPERTIES
    IMPORTED_LOCATION "${HttpParser_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${HttpParser_INCLUDE_DIR}")
endif()
mark_as_advanced(HttpParser_INCLUDE_DIR HttpParser_LIBRARY)
