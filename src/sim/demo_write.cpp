// CSV rendering and buffered, rename-on-success file writing of the demo roll.
#include "sim/demo_write.hpp"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <system_error>

#include "core/text.hpp"
#include "sim/demo_names.hpp"

namespace psm::sim {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kChunk = 1 << 20;

// A text field of the demo roll. `psm import` reads these files back, so every value is written
// as it is (CsvGuard::kNone): a spreadsheet formula guard would change the imported names.
void AppendField(std::string& out, std::string_view value) {
  AppendCsvField(out, value, CsvGuard::kNone);
}

// Decimal degrees with exactly 6 decimals, from integer micro-degrees: the same text on every
// platform and locale.
void AppendDegrees(std::string& out, double degrees) {
  long long micro = std::llround(degrees * 1e6);
  if (micro < 0) {
    out += '-';
    micro = -micro;
  }
  char text[32];
  std::snprintf(text, sizeof text, "%lld.%06lld", micro / 1000000, micro % 1000000);
  out += text;
}

Error WriteError(const fs::path& path, const char* what, int err) {
  return Error::Internal("write_failed",
                         std::string(what) + " " + path.string() + ": " + std::strerror(err));
}

// Writes a file through `fill`, which appends to a buffer and calls `flush` whenever it likes;
// the content lands in path.tmp, which becomes `path` only once it is complete.
template <class Fill>
Result<std::uint64_t> WriteFile(const fs::path& path, Fill&& fill) {
  const fs::path tmp = path.string() + ".tmp";
  std::FILE* file = std::fopen(tmp.c_str(), "wb");
  if (file == nullptr) {
    return Error::Invalid("not_writable",
                          "cannot write " + tmp.string() + ": " + std::strerror(errno));
  }
  std::uint64_t bytes = 0;
  bool failed = false;
  int err = 0;
  std::string buffer;
  buffer.reserve(kChunk + 4096);
  auto flush = [&] {
    if (!failed && !buffer.empty() &&
        std::fwrite(buffer.data(), 1, buffer.size(), file) != buffer.size()) {
      failed = true;
      err = errno;
    }
    bytes += buffer.size();
    buffer.clear();
  };
  fill(buffer, flush);
  flush();
  if (std::fclose(file) != 0 && !failed) {
    failed = true;
    err = errno;
  }
  if (failed) {
    std::remove(tmp.c_str());
    return WriteError(tmp, "cannot write", err);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    err = errno;
    std::remove(tmp.c_str());
    return WriteError(path, "cannot rename to", err);
  }
  return bytes;
}

}  // namespace

std::string RenderConstituenciesCsv(const DemoDistrict& district) {
  std::string out = "ac,name,reserved,district\n";
  for (const auto& c : district.constituencies) {
    out += std::to_string(c.number);
    out += ',';
    AppendField(out, c.name);
    out += ',';
    AppendField(out, c.reserved);
    out += ',';
    AppendField(out, c.district);
    out += '\n';
  }
  return out;
}

std::string RenderStationsCsv(const DemoDistrict& district) {
  std::string out =
      "station_id,ac,part,name,building,locality,lat,lon,electors_men,electors_women,"
      "electors_others\n";
  for (const auto& s : district.stations) {
    out += s.id.ToString();
    out += ',' + std::to_string(s.id.ac) + ',' + std::to_string(s.id.part) + ',';
    AppendField(out, s.name);
    out += ',';
    AppendField(out, s.building);
    out += ',';
    AppendField(out, s.locality);
    out += ',';
    AppendDegrees(out, s.lat);
    out += ',';
    AppendDegrees(out, s.lon);
    out += ',' + std::to_string(s.electors.men) + ',' + std::to_string(s.electors.women) + ',' +
           std::to_string(s.electors.others) + '\n';
  }
  return out;
}

Result<DemoFiles> WriteDemoData(const DemoDistrict& district, const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir)) {
    return Error::Invalid("bad_dir",
                          "cannot create the directory " + dir.string() + ": " +
                              (ec ? ec.message() : std::string("a file of that name exists")));
  }
  DemoFiles files;
  auto whole = [](std::string text) {
    return [text = std::move(text)](std::string& buffer, auto&&) { buffer += text; };
  };
  auto c = WriteFile(dir / "constituencies.csv", whole(RenderConstituenciesCsv(district)));
  if (!c.ok()) return c.error();
  auto s = WriteFile(dir / "stations.csv", whole(RenderStationsCsv(district)));
  if (!s.ok()) return s.error();
  auto e = WriteFile(dir / "electors.csv", [&](std::string& buffer, auto&& flush) {
    buffer += "epic,station_id\n";
    // The station id text is built once per station, not once per elector.
    const Station* current = nullptr;
    std::string id;
    ForEachDemoElector(district, [&](std::string_view epic, const Station& station) {
      if (&station != current) {
        current = &station;
        id = station.id.ToString();
      }
      buffer += epic;
      buffer += ',';
      buffer += id;
      buffer += '\n';
      if (buffer.size() >= kChunk) flush();
    });
  });
  if (!e.ok()) return e.error();
  files.constituencies = static_cast<std::int64_t>(district.constituencies.size());
  files.stations = static_cast<std::int64_t>(district.stations.size());
  files.electors = district.Totals().Total();
  files.bytes = *c + *s + *e;
  return files;
}

}  // namespace psm::sim
