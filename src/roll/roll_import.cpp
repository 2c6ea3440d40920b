// ImportRoll: read and validate each file whole, compare with the store, then write only what
// is new or changed in one Upsert call (one transaction) per file.
#include "roll/roll_import.hpp"

#include "core/enum_names.hpp"

#include <algorithm>
#include <map>
#include <system_error>

namespace psm::roll {
namespace {

// Splits `fresh` rows (keyed by `key`) against `stored` into rows to write, counting them.
template <class Row, class KeyFn>
std::vector<Row> Changed(const std::vector<Row>& fresh, const std::vector<Row>& stored, KeyFn key,
                         FileCounts& counts) {
  std::map<decltype(key(fresh.front())), const Row*> by_key;
  for (const Row& r : stored)
    by_key.emplace(key(r), &r);
  std::vector<Row> out;
  for (const Row& r : fresh) {
    const auto it = by_key.find(key(r));
    if (it == by_key.end()) {
      ++counts.added;
      out.push_back(r);
    } else if (!(*it->second == r)) {
      ++counts.updated;
      out.push_back(r);
    } else {
      ++counts.unchanged;
    }
  }
  return out;
}

// Shared state of one import run.
class Importer {
 public:
  Importer(Store& store, const std::filesystem::path& dir, const ImportOptions& options,
           ImportReport& report)
      : store_(store), dir_(dir), options_(options), report_(report) {}

  void Run();

 private:
  std::filesystem::path PathOf(std::string_view file) const { return dir_ / std::string(file); }
  // Opens `file`; on failure records the error and returns nullopt.
  std::optional<CsvReader> OpenFile(std::string_view file);
  // Moves a file's errors into the report; true if there were none.
  bool Collect(const ErrorSink& errors, FileCounts& counts);
  // Records a failure that stops the import.
  void Fail(const Error& error, std::string message);
  // Records a failed store call for `file`; returns false.
  bool StoreFailed(std::string_view file, FileCounts& counts, const Error& error);
  // Writes `rows` with `upsert` unless dry run; records the outcome.
  template <class Rows, class Upsert>
  bool Commit(std::string_view file, const Rows& rows, FileCounts& counts, Upsert upsert);

  bool ImportConstituencies();
  bool ImportStations();
  bool ImportElectors();

  Store& store_;
  const std::filesystem::path& dir_;
  const ImportOptions& options_;
  ImportReport& report_;
  std::unordered_set<int> known_acs_;
  std::unordered_set<std::uint32_t> known_stations_;
};

void Importer::Fail(const Error& error, std::string message) {
  report_.errors.push_back(std::move(message));
  if (report_.status.ok()) report_.status = error;
}

bool Importer::StoreFailed(std::string_view file, FileCounts& counts, const Error& error) {
  counts.outcome = FileOutcome::kFailed;
  Fail(error, std::string(file) + ": store: " + error.detail);
  return false;
}

std::optional<CsvReader> Importer::OpenFile(std::string_view file) {
  auto reader = CsvReader::Open(PathOf(file));
  if (!reader.ok()) {
    Fail(reader.error(), std::string(file) + ": " + reader.error().detail);
    return std::nullopt;
  }
  return std::move(reader).value();
}

bool Importer::Collect(const ErrorSink& errors, FileCounts& counts) {
  counts.errors = errors.count();
  if (errors.count() == 0) return true;
  counts.outcome = FileOutcome::kRejected;
  auto messages = errors.Messages();
  std::string detail = errors.file() + " has " + std::to_string(errors.count()) +
                       (errors.count() == 1 ? " error" : " errors") +
                       "; nothing from it was imported";
  for (const auto& m : messages)
    detail += "\n" + m;
  if (errors.count() > messages.size()) {
    const auto more = errors.count() - messages.size();
    messages.push_back(errors.file() + ": " + std::to_string(more) + " more errors not listed");
    detail += "\n" + messages.back();
  }
  report_.errors.insert(report_.errors.end(), messages.begin(), messages.end());
  if (report_.status.ok()) report_.status = Error::Invalid("roll_invalid", detail);
  return false;
}

template <class Rows, class Upsert>
bool Importer::Commit(std::string_view file, const Rows& rows, FileCounts& counts, Upsert upsert) {
  if (options_.dry_run) {
    counts.outcome = FileOutcome::kChecked;
    return true;
  }
  if (!rows.empty()) {
    if (Status s = upsert(rows); !s.ok()) return StoreFailed(file, counts, s.error());
  }
  counts.outcome = FileOutcome::kImported;
  return true;
}

bool Importer::ImportConstituencies() {
  auto& counts = report_.constituencies;
  auto reader = OpenFile(kConstituenciesFile);
  if (!reader) return false;
  ErrorSink errors(std::string(kConstituenciesFile), options_.max_errors);
  const auto rows = ReadConstituencies(*reader, errors, counts.rows);
  if (!Collect(errors, counts)) return false;
  auto stored = store_.LoadConstituencies();
  if (!stored.ok()) return StoreFailed(kConstituenciesFile, counts, stored.error());
  for (const auto& c : *stored)
    known_acs_.insert(c.number);
  for (const auto& c : rows)
    known_acs_.insert(c.number);
  const auto changed = Changed(
      rows, *stored, [](const Constituency& c) { return c.number; }, counts);
  return Commit(kConstituenciesFile, changed, counts,
                [&](const auto& r) { return store_.UpsertConstituencies(r); });
}

bool Importer::ImportStations() {
  auto& counts = report_.stations;
  auto reader = OpenFile(kStationsFile);
  if (!reader) return false;
  ErrorSink errors(std::string(kStationsFile), options_.max_errors);
  const auto rows = ReadStations(*reader, known_acs_, errors, counts.rows);
  if (!Collect(errors, counts)) return false;
  auto stored = store_.LoadStations();
  if (!stored.ok()) return StoreFailed(kStationsFile, counts, stored.error());
  for (const auto& s : *stored)
    known_stations_.insert(StationKey(s.id));
  for (const auto& s : rows)
    known_stations_.insert(StationKey(s.id));
  const auto changed = Changed(
      rows, *stored, [](const Station& s) { return s.id; }, counts);
  return Commit(kStationsFile, changed, counts,
                [&](const auto& r) { return store_.UpsertStations(r); });
}

bool Importer::ImportElectors() {
  auto& counts = report_.electors;
  auto reader = OpenFile(kElectorsFile);
  if (!reader) return false;
  ErrorSink errors(std::string(kElectorsFile), options_.max_errors);
  const auto rows = ReadElectors(*reader, known_stations_, options_.progress, errors, counts.rows);
  if (!Collect(errors, counts)) return false;

  // The stored roll as sorted (EPIC, station) pairs: 16 bytes per elector.
  std::vector<std::pair<std::uint64_t, std::uint32_t>> stored;
  if (auto n = store_.CountElectors(); n.ok()) stored.reserve(static_cast<std::size_t>(*n));
  const Status read = store_.ForEachElector([&](const Elector& e) {
    if (const auto key = PackEpic(e.epic)) stored.emplace_back(*key, StationKey(e.station));
    return true;
  });
  if (!read.ok()) return StoreFailed(kElectorsFile, counts, read.error());
  std::sort(stored.begin(), stored.end());

  std::vector<Elector> changed;
  for (const PackedElector& e : rows) {  // sorted by EPIC, no duplicates
    const auto it = std::lower_bound(stored.begin(), stored.end(),
                                     std::pair<std::uint64_t, std::uint32_t>{e.epic, 0});
    if (it != stored.end() && it->first == e.epic) {
      if (it->second == e.station) {
        ++counts.unchanged;
        continue;
      }
      ++counts.updated;
    } else {
      ++counts.added;
    }
    if (!options_.dry_run)
      changed.push_back(Elector{UnpackEpic(e.epic), StationFromKey(e.station)});
  }
  return Commit(kElectorsFile, changed, counts,
                [&](const auto& r) { return store_.UpsertElectors(r); });
}

void Importer::Run() {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir_, ec)) {
    Fail(Error::NotFound("roll_dir_not_found", "roll directory not found: " + dir_.string()),
         "roll directory not found: " + dir_.string());
    return;
  }
  // Check all three up front so a missing file does not leave a half-imported roll.
  bool all_present = true;
  for (const auto file : {kConstituenciesFile, kStationsFile, kElectorsFile}) {
    if (!std::filesystem::exists(PathOf(file), ec)) {
      const std::string detail = "file not found: " + PathOf(file).string();
      Fail(Error::NotFound("roll_file_not_found", detail), std::string(file) + ": " + detail);
      all_present = false;
    }
  }
  if (!all_present) return;
  if (!ImportConstituencies()) return;
  if (!ImportStations()) return;
  ImportElectors();
}

}  // namespace

std::string_view ToString(FileOutcome outcome) {
  static constexpr EnumNames<FileOutcome, FileOutcome::kFailed> kOutcomes(
      {"not read", "rejected", "imported", "checked (dry run)", "store write failed"});
  return kOutcomes.Name(outcome);
}

std::string ImportReport::Summary() const {
  std::string out;
  const std::pair<std::string_view, const FileCounts*> files[] = {
      {kConstituenciesFile, &constituencies},
      {kStationsFile, &stations},
      {kElectorsFile, &electors}};
  for (const auto& [name, c] : files) {
    out += name;
    out += ": ";
    out += ToString(c->outcome);
    if (c->outcome != FileOutcome::kNotRead) {
      out += ", " + std::to_string(c->rows) + " rows";
      if (c->outcome == FileOutcome::kRejected) {
        out += ", " + std::to_string(c->errors) + (c->errors == 1 ? " error" : " errors");
      } else {
        out += " (" + std::to_string(c->added) + " added, " + std::to_string(c->updated) +
               " updated, " + std::to_string(c->unchanged) + " unchanged)";
      }
    }
    out += '\n';
  }
  return out;
}

ImportReport ImportRoll(Store& store, const std::filesystem::path& dir,
                        const ImportOptions& options) {
  ImportReport report;
  Importer(store, dir, options, report).Run();
  return report;
}

}  // namespace psm::roll
