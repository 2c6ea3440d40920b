// The `--store` option (and PSM_STORE) of every subcommand that opens the store, declared once so
// its name, variable, default and help cannot differ between subcommands.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

namespace psm {

// The embedded SQLite file a fresh checkout uses (ARCHITECTURE §6).
inline constexpr const char* kDefaultStoreUrl = "sqlite:var/psm.db";

// Registers `--store URL` (environment PSM_STORE) on `cmd`, writing into `url`.
CLI::Option* AddStoreOption(CLI::App& cmd, std::string& url);

}  // namespace psm
