// See store_option.hpp.
#include "config/store_option.hpp"

namespace psm {

CLI::Option* AddStoreOption(CLI::App& cmd, std::string& url) {
  return cmd.add_option("--store", url, "store URL: sqlite:FILE or postgresql://USER@HOST:PORT/DB")
      ->envname("PSM_STORE")
      ->capture_default_str();
}

}  // namespace psm
