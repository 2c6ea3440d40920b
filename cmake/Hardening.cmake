# The hardening Debian builds its packages with (dpkg-buildflags), for the program that ships:
# stack protector, fortified libc calls, a read-only GOT (lintian checks all three). Sanitizer
# and fuzz builds leave them out: ASan does the checking there, and FORTIFY needs -O.
if(NOT PSM_SANITIZE AND NOT PSM_FUZZ)
  add_compile_options(-fstack-protector-strong -fstack-clash-protection -fcf-protection)
  add_compile_definitions($<$<NOT:$<CONFIG:Debug>>:_FORTIFY_SOURCE=2>)
  add_link_options(-Wl,-z,relro -Wl,-z,now)
endif()
