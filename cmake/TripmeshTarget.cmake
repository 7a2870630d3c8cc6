# tripmesh_library(NAME topics SRCS src/a.cc DEPS ... PRIVATE_DEPS ...)
# One folder, one target: public headers in include/, the rest private in src/.
# GCC 12 warns about every member a C++20 designated initializer leaves to its
# default (GCC bug 96868); such initializers are how calls here name their
# fields, so that one warning is off.
set(TRIPMESH_WARNINGS -Wall -Wextra -Wpedantic -Werror -Wno-missing-field-initializers)

function(tripmesh_library)
  cmake_parse_arguments(T "" "NAME" "SRCS;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(tripmesh_${T_NAME} STATIC ${T_SRCS})
  add_library(tripmesh::${T_NAME} ALIAS tripmesh_${T_NAME})
  target_include_directories(tripmesh_${T_NAME} PUBLIC include PRIVATE src)
  target_link_libraries(tripmesh_${T_NAME} PUBLIC ${T_DEPS} PRIVATE ${T_PRIVATE_DEPS})
  target_compile_options(tripmesh_${T_NAME} PRIVATE ${TRIPMESH_WARNINGS})
endfunction()

function(tripmesh_executable NAME)
  cmake_parse_arguments(T "" "" "SRCS;DEPS" ${ARGN})
  add_executable(${NAME} ${T_SRCS})
  target_link_libraries(${NAME} PRIVATE ${T_DEPS})
  target_compile_options(${NAME} PRIVATE ${TRIPMESH_WARNINGS})
endfunction()
