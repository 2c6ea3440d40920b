# Generates openapi_document.cpp holding docs/openapi.yaml, so the binary serves its own
# contract whatever the working directory.
file(READ "${INPUT}" content)
file(WRITE "${OUTPUT}" "// Generated from docs/openapi.yaml; do not edit.\n#include <string_view>\nnamespace psm::app {\nextern const std::string_view kOpenApiYaml = R\"psm_openapi(${content})psm_openapi\";\n}\n")
