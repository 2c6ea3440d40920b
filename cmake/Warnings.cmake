# Warnings are errors in every configuration.
function(psm_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror -Wno-missing-field-initializers)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    # GCC 12 reports std::string concatenation inside libstdc++ as overlapping memcpy at -O3
    # (GCC bug 105651, a false positive fixed in GCC 13).
    target_compile_options(${target} PRIVATE -Wno-restrict)
    # GCC 12 also misreads Asio's coroutine frame allocation as a new/delete mismatch at -O2
    # (fixed in GCC 13).
    target_compile_options(${target} PRIVATE -Wno-mismatched-new-delete)
  endif()
endfunction()
