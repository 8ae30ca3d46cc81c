# install.cmake — the installed library, how other projects find it, and
# the tests of both (install.prefix) and of the Python package (python.pytest).
#
# In the build tree, the program, the tests and the benchmarks link the
# static library `nacre` (every symbol visible, internal ones included).
# What is installed exposes only the `nacre_` names:
#   lib/libnacre.so.ABI  the shared library (soname with the ABI version of
#                        include/nacre/version.h), a linker version script
#                        keeps every other symbol local;
#   lib/libnacre.a       the same objects linked into one relocatable object
#                        whose non-`nacre_` symbols are made local, so that a
#                        program's own `run_begin` or `sym_dataset` never
#                        clashes with nacre's internals;
#   include/nacre/*.h    the public headers;
#   bin/nacre            the command-line program;
#   lib/pkgconfig/nacre.pc, lib/cmake/nacre/  pkg-config and find_package.
# Included at the end of CMakeLists.txt, once every dependency of `nacre` is
# known.

include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

file(STRINGS ${CMAKE_SOURCE_DIR}/include/nacre/version.h NACRE_ABI_LINE
     REGEX "^#define NACRE_ABI_VERSION ")
string(REGEX REPLACE "^#define NACRE_ABI_VERSION +([0-9]+).*" "\\1"
       NACRE_ABI_VERSION "${NACRE_ABI_LINE}")
if(NOT NACRE_ABI_VERSION MATCHES "^[0-9]+$")
  message(FATAL_ERROR "include/nacre/version.h: no NACRE_ABI_VERSION")
endif()

# The link dependencies of the static library as plain linker flags
# (-lfoo), for pkg-config's Libs.private and the imported static target:
# imported targets and full paths found on this machine become names that
# any machine with the same Debian packages resolves.
function(nacre_link_flags out)
  set(flags "")
  set(todo ${ARGN})
  while(todo)
    list(POP_FRONT todo item)
    if(item MATCHES "^\\$<" OR item STREQUAL "")
      continue()
    elseif(TARGET ${item})
      get_target_property(deps ${item} INTERFACE_LINK_LIBRARIES)
      get_target_property(loc ${item} IMPORTED_LOCATION)
      if(NOT loc)
        get_target_property(loc ${item} IMPORTED_LOCATION_RELEASE)
      endif()
      if(loc)
        list(APPEND todo ${loc})
      endif()
      if(deps)
        list(APPEND todo ${deps})
      endif()
      get_target_property(opts ${item} INTERFACE_LINK_OPTIONS)
      if(opts)
        list(APPEND flags ${opts})
      endif()
    elseif(item MATCHES "^-")
      list(APPEND flags ${item})
    elseif(item MATCHES "/lib([^/]+)\\.(so|a)(\\.[0-9.]*)?$")
      list(APPEND flags "-l${CMAKE_MATCH_1}")
    elseif(item MATCHES "^[A-Za-z0-9_+.-]+$")
      list(APPEND flags "-l${item}")
    else()
      message(WARNING "install: cannot name link dependency '${item}' for "
                      "pkg-config and the static CMake target")
    endif()
  endwhile()
  list(REMOVE_DUPLICATES flags)
  set(${out} ${flags} PARENT_SCOPE)
endfunction()

get_target_property(NACRE_LINK_DEPS nacre LINK_LIBRARIES)
nacre_link_flags(NACRE_STATIC_FLAGS ${NACRE_LINK_DEPS})
list(JOIN NACRE_STATIC_FLAGS " " NACRE_LIBS_PRIVATE)

# Shared library: the static library's objects (compiled position
# independent), exporting only nacre_*.
set(NACRE_SYMBOL_MAP ${CMAKE_SOURCE_DIR}/cmake/libnacre.map)
add_library(nacre_shared SHARED $<TARGET_OBJECTS:nacre>)
target_link_libraries(nacre_shared PRIVATE ${NACRE_LINK_DEPS})
target_link_options(nacre_shared PRIVATE
                    "LINKER:--version-script=${NACRE_SYMBOL_MAP}"
                    "LINKER:--no-undefined")
set_target_properties(nacre_shared PROPERTIES
  OUTPUT_NAME nacre
  VERSION ${PROJECT_VERSION}
  SOVERSION ${NACRE_ABI_VERSION}
  LINK_DEPENDS ${NACRE_SYMBOL_MAP})

# Static library for installation: one relocatable object, `nacre_` global.
set(NACRE_DIST_DIR ${CMAKE_BINARY_DIR}/dist)
set(NACRE_DIST_STATIC ${NACRE_DIST_DIR}/libnacre.a)
add_custom_command(
  OUTPUT ${NACRE_DIST_STATIC}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${NACRE_DIST_DIR}
  COMMAND ${CMAKE_COMMAND} -E rm -f ${NACRE_DIST_STATIC}
          ${NACRE_DIST_DIR}/nacre.o
  COMMAND ${CMAKE_LINKER} -r -d -o ${NACRE_DIST_DIR}/nacre.o
          --whole-archive $<TARGET_FILE:nacre>
  COMMAND ${CMAKE_OBJCOPY} --wildcard --keep-global-symbol=nacre_*
          ${NACRE_DIST_DIR}/nacre.o
  COMMAND ${CMAKE_AR} qc ${NACRE_DIST_STATIC} ${NACRE_DIST_DIR}/nacre.o
  COMMAND ${CMAKE_RANLIB} ${NACRE_DIST_STATIC}
  DEPENDS nacre
  COMMENT "Linking the installable static library (only nacre_* global)"
  VERBATIM)
add_custom_target(nacre_dist_static ALL DEPENDS ${NACRE_DIST_STATIC})

# pkg-config (relocatable: prefix is found from the .pc file's own place).
file(RELATIVE_PATH NACRE_PC_TO_PREFIX
     ${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}/pkgconfig
     ${CMAKE_INSTALL_PREFIX})
string(REGEX REPLACE "/$" "" NACRE_PC_TO_PREFIX "${NACRE_PC_TO_PREFIX}")
configure_file(${CMAKE_SOURCE_DIR}/cmake/nacre.pc.in
               ${NACRE_DIST_DIR}/nacre.pc @ONLY)

# CMake package: nacre::nacre (shared) and nacre::static.
configure_package_config_file(
  ${CMAKE_SOURCE_DIR}/cmake/nacreConfig.cmake.in
  ${NACRE_DIST_DIR}/nacreConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/nacre
  PATH_VARS CMAKE_INSTALL_INCLUDEDIR CMAKE_INSTALL_LIBDIR)
write_basic_package_version_file(
  ${NACRE_DIST_DIR}/nacreConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)

install(TARGETS nacre_shared
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(FILES ${NACRE_DIST_STATIC} DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(TARGETS nacre-cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${CMAKE_SOURCE_DIR}/include/nacre
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.h")
# The KIM model driver's sources, built by kim-api-collections-management.
install(DIRECTORY ${CMAKE_SOURCE_DIR}/kim/nacre_driver
        DESTINATION ${CMAKE_INSTALL_DATADIR}/nacre/kim)
install(FILES ${NACRE_DIST_DIR}/nacre.pc
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
install(FILES ${NACRE_DIST_DIR}/nacreConfig.cmake
              ${NACRE_DIST_DIR}/nacreConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/nacre)

# The installed copy works from a temporary prefix (tests/install). Not in
# the sanitizer configuration: programs built outside it cannot load an
# instrumented library.
if(NACRE_BUILD_TESTS)
  add_test(NAME install.prefix
           COMMAND bash ${CMAKE_SOURCE_DIR}/tests/install/install_prefix.sh
                   ${CMAKE_BINARY_DIR} ${CMAKE_SOURCE_DIR})
  set_tests_properties(install.prefix PROPERTIES SKIP_RETURN_CODE 77
                       LABELS "install;nosan" TIMEOUT ${NACRE_TEST_TIMEOUT})
endif()

# The Python package (python/) against this build's libnacre and nacre.
if(NACRE_BUILD_TESTS)
  add_test(NAME python.pytest
           COMMAND bash ${CMAKE_SOURCE_DIR}/tests/python/run_pytest.sh
                   ${CMAKE_BINARY_DIR} ${CMAKE_SOURCE_DIR})
  set_tests_properties(python.pytest PROPERTIES SKIP_RETURN_CODE 77
                       LABELS "python;nosan" TIMEOUT ${NACRE_TEST_TIMEOUT}
                       ENVIRONMENT "NACRE_SHARED_DATA=${NACRE_SHARED_DATA}")
endif()

# The KIM driver compiled with the build when the KIM API is installed, so
# that a change in nacre's API that breaks it shows at once (users' copies
# are built by kim-api-collections-management from the installed sources).
pkg_check_modules(KIMAPI QUIET IMPORTED_TARGET libkim-api)
if(KIMAPI_FOUND)
  add_library(nacre_kim_driver_check MODULE
              ${CMAKE_SOURCE_DIR}/kim/nacre_driver/nacre_driver.c)
  target_link_libraries(nacre_kim_driver_check PRIVATE nacre PkgConfig::KIMAPI)
endif()
