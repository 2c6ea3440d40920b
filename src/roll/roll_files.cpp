// Row-by-row validation of the three roll files. Each problem is reported against the column it
// concerns, so an operator can fix the sheet without guessing.
#include "roll/roll_files.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <string>

#include "core/text.hpp"

namespace psm::roll {
namespace {

// Trimmed field values of one data row, addressed by the position of their ColumnSpec.
class Row {
 public:
  Row(const CsvRecord& rec, const ColumnIndex& index) : rec_(rec), index_(index) {}
  std::string_view operator[](std::size_t spec) const {
    const auto& col = index_[spec];
    return col ? Trim(rec_[*col], kBlanks) : std::string_view();
  }
  std::uint64_t line() const { return rec_.line(); }

 private:
  const CsvRecord& rec_;
  const ColumnIndex& index_;
};

// Reads the header, then calls `fn(row)` for every data row that has as many fields as the
// header. Stops at the first malformed record (its position is unreliable after that).
template <class Fn>
void ScanRows(CsvReader& reader, std::span<const ColumnSpec> specs, ErrorSink& errors,
              std::uint64_t& rows, Fn&& fn) {
  CsvRecord rec;
  auto more = reader.Next(rec);
  if (!more.ok()) {
    errors.Add(reader.error_line(), "csv", more.error().detail);
    return;
  }
  if (!*more) {
    errors.Add(1, "header", "file is empty; the first line must name the columns");
    return;
  }
  const auto index = ResolveColumns(rec, specs, errors);
  if (!index) return;
  const std::size_t width = rec.size();
  for (;;) {
    more = reader.Next(rec);
    if (!more.ok()) {
      errors.Add(reader.error_line(), "csv", more.error().detail);
      return;
    }
    if (!*more) return;
    ++rows;
    if (rec.size() != width) {
      errors.Add(
          rec.line(), "row",
          "has " + std::to_string(rec.size()) + " fields, the header has " + std::to_string(width));
      continue;
    }
    fn(Row(rec, *index));
  }
}

// Validators shared by the readers. Each returns nullopt after reporting the problem.
std::optional<std::string_view> Required(const Row& row, std::size_t spec, std::string_view col,
                                         ErrorSink& errors) {
  const auto v = row[spec];
  if (v.empty()) {
    errors.Add(row.line(), col, "required value is empty");
    return std::nullopt;
  }
  return v;
}

std::optional<std::int64_t> WholeNumber(const Row& row, std::size_t spec, std::string_view col,
                                        std::int64_t lo, std::int64_t hi, ErrorSink& errors) {
  const auto v = Required(row, spec, col, errors);
  if (!v) return std::nullopt;
  const auto n = ParseInt<std::int64_t>(*v);
  if (!n) {
    errors.Add(row.line(), col, "not a whole number: " + Quote(*v));
    return std::nullopt;
  }
  if (*n < lo || *n > hi) {
    errors.Add(
        row.line(), col,
        "out of range " + std::to_string(lo) + ".." + std::to_string(hi) + ": " + std::string(*v));
    return std::nullopt;
  }
  return n;
}

std::optional<double> Coordinate(const Row& row, std::size_t spec, std::string_view col,
                                 double limit, ErrorSink& errors) {
  const auto v = Required(row, spec, col, errors);
  if (!v) return std::nullopt;
  const auto d = ParseFiniteDouble(*v);
  if (!d) {
    errors.Add(row.line(), col, "not a number: " + Quote(*v));
    return std::nullopt;
  }
  if (*d < -limit || *d > limit) {
    const auto l = std::to_string(static_cast<int>(limit));
    errors.Add(row.line(), col, "out of range -" + l + ".." + l + ": " + std::string(*v));
    return std::nullopt;
  }
  return d;
}

// Free text; `required` decides whether empty is allowed.
std::optional<std::string> Text(const Row& row, std::size_t spec, std::string_view col,
                                bool required, ErrorSink& errors) {
  const auto v = required ? Required(row, spec, col, errors) : std::optional(row[spec]);
  if (!v) return std::nullopt;
  if (auto why = CheckText(*v)) {
    errors.Add(row.line(), col, *why);
    return std::nullopt;
  }
  return std::string(*v);
}

std::optional<StationId> StationIdField(const Row& row, std::size_t spec, ErrorSink& errors) {
  const auto v = Required(row, spec, "station_id", errors);
  if (!v) return std::nullopt;
  auto id = StationId::Parse(*v);
  if (!id) {
    errors.Add(row.line(), "station_id",
               "not an AC-PART station id such as \"34-112\": " + Quote(*v));
  }
  return id;
}

std::string Duplicate(std::uint64_t first_line) {
  return "duplicate of line " + std::to_string(first_line);
}

}  // namespace

std::vector<Constituency> ReadConstituencies(CsvReader& reader, ErrorSink& errors,
                                             std::uint64_t& rows) {
  enum : std::size_t { kAc, kName, kReserved, kDistrict };
  static constexpr std::array<ColumnSpec, 4> kSpecs = {
      {{"ac"}, {"name"}, {"reserved"}, {"district", false}}};
  std::vector<Constituency> out;
  std::map<int, std::uint64_t> seen;  // AC → line
  ScanRows(reader, kSpecs, errors, rows, [&](const Row& row) {
    Constituency c;
    const auto ac = WholeNumber(row, kAc, "ac", 1, 999, errors);
    if (ac) {
      c.number = static_cast<int>(*ac);
      const auto [it, fresh] = seen.emplace(c.number, row.line());
      if (!fresh) errors.Add(row.line(), "ac", Duplicate(it->second));
    }
    const auto name = Text(row, kName, "name", true, errors);
    const std::string reserved = ToUpperAscii(row[kReserved]);
    const bool reserved_ok = reserved.empty() || reserved == "SC" || reserved == "ST";
    if (!reserved_ok) {
      errors.Add(row.line(), "reserved", "must be SC, ST or empty: " + Quote(row[kReserved]));
    }
    const auto district = Text(row, kDistrict, "district", false, errors);
    if (!ac || !name || !reserved_ok || !district) return;
    c.name = *name;
    c.reserved = reserved;
    c.district = *district;
    out.push_back(std::move(c));
  });
  return out;
}

std::vector<Station> ReadStations(CsvReader& reader, const std::unordered_set<int>& known_acs,
                                  ErrorSink& errors, std::uint64_t& rows) {
  enum : std::size_t {
    kId,
    kAc,
    kPart,
    kName,
    kBuilding,
    kLocality,
    kLat,
    kLon,
    kMen,
    kWomen,
    kOthers
  };
  static constexpr std::array<ColumnSpec, 11> kSpecs = {{{"station_id"},
                                                         {"ac"},
                                                         {"part"},
                                                         {"name"},
                                                         {"building"},
                                                         {"locality"},
                                                         {"lat"},
                                                         {"lon"},
                                                         {"electors_men"},
                                                         {"electors_women"},
                                                         {"electors_others"}}};
  // No real polling station has anywhere near this many electors; larger is a typo.
  constexpr std::int64_t kMaxElectors = 100000;
  std::vector<Station> out;
  std::map<StationId, std::uint64_t> seen;  // id → line
  ScanRows(reader, kSpecs, errors, rows, [&](const Row& row) {
    const std::uint64_t errors_before = errors.count();
    Station s;
    const auto id = StationIdField(row, kId, errors);
    const auto ac = WholeNumber(row, kAc, "ac", 1, 999, errors);
    const auto part = WholeNumber(row, kPart, "part", 1, 9999, errors);
    if (ac && !known_acs.contains(static_cast<int>(*ac))) {
      errors.Add(row.line(), "ac",
                 "unknown constituency " + std::to_string(*ac) +
                     " (not in constituencies.csv or the store)");
    }
    if (id && ac && part) {
      const StationId expected{static_cast<int>(*ac), static_cast<int>(*part)};
      if (*id != expected) {
        errors.Add(
            row.line(), "station_id",
            Quote(id->ToString()) + " does not match ac and part (" + expected.ToString() + ")");
      }
    }
    if (id) {
      const auto [it, fresh] = seen.emplace(*id, row.line());
      if (!fresh) errors.Add(row.line(), "station_id", Duplicate(it->second));
    }
    const auto name = Text(row, kName, "name", true, errors);
    const auto building = Text(row, kBuilding, "building", false, errors);
    const auto locality = Text(row, kLocality, "locality", false, errors);
    const auto lat = Coordinate(row, kLat, "lat", 90, errors);
    const auto lon = Coordinate(row, kLon, "lon", 180, errors);
    if (lat && lon && *lat == 0 && *lon == 0) {
      errors.Add(row.line(), "lat,lon",
                 "0,0 is not a polling station location (coordinates missing?)");
    }
    const auto men = WholeNumber(row, kMen, "electors_men", 0, kMaxElectors, errors);
    const auto women = WholeNumber(row, kWomen, "electors_women", 0, kMaxElectors, errors);
    const auto others = WholeNumber(row, kOthers, "electors_others", 0, kMaxElectors, errors);
    if (men && women && others && *men + *women + *others == 0) {
      errors.Add(row.line(), "electors_men,electors_women,electors_others",
                 "total is 0; a polling station must have electors");
    }
    if (errors.count() != errors_before) return;
    s.id = *id;
    s.name = *name;
    s.building = *building;
    s.locality = *locality;
    s.lat = *lat;
    s.lon = *lon;
    s.electors = Counts{*men, *women, *others};
    out.push_back(std::move(s));
  });
  return out;
}

std::vector<PackedElector> ReadElectors(CsvReader& reader,
                                        const std::unordered_set<std::uint32_t>& known_stations,
                                        const ProgressFn& progress, ErrorSink& errors,
                                        std::uint64_t& rows) {
  enum : std::size_t { kEpic, kStation };
  static constexpr std::array<ColumnSpec, 2> kSpecs = {{{"epic"}, {"station_id"}}};
  constexpr std::uint64_t kProgressStep = std::uint64_t{1} << 20;
  std::vector<PackedElector> out;
  // A two-column export has about 16 bytes per line: reserve once instead of regrowing, but
  // not unboundedly for wide exports with personal columns (those still grow as needed).
  constexpr std::uint64_t kMaxReserve = std::uint64_t{1} << 21;
  out.reserve(static_cast<std::size_t>(std::min(reader.bytes_total() / 15 + 16, kMaxReserve)));
  std::uint64_t next_progress = kProgressStep;
  ScanRows(reader, kSpecs, errors, rows, [&](const Row& row) {
    if (progress && reader.bytes_done() >= next_progress) {
      progress(reader.bytes_done(), reader.bytes_total(), rows);
      next_progress = reader.bytes_done() + kProgressStep;
    }
    std::optional<std::uint64_t> epic;
    if (const auto v = Required(row, kEpic, "epic", errors)) {
      epic = PackEpic(*v);
      if (!epic) {
        errors.Add(row.line(), "epic",
                   "not an EPIC number (3 letters and 7 digits, e.g. ABC1234567): " + Quote(*v));
      }
    }
    const auto id = StationIdField(row, kStation, errors);
    if (id && !known_stations.contains(StationKey(*id))) {
      errors.Add(
          row.line(), "station_id",
          "unknown polling station " + id->ToString() + " (not in stations.csv or the store)");
    }
    // Rows with an unknown station still take part in the duplicate check, so one pass shows
    // every problem.
    if (epic) {
      out.push_back(
          PackedElector{*epic, id ? StationKey(*id) : 0u, static_cast<std::uint32_t>(row.line())});
    }
  });
  if (progress) progress(reader.bytes_total(), reader.bytes_total(), rows);
  std::sort(out.begin(), out.end(), [](const PackedElector& a, const PackedElector& b) {
    return a.epic != b.epic ? a.epic < b.epic : a.line < b.line;
  });
  for (std::size_t i = 1, first = 0; i < out.size(); ++i) {
    if (out[i].epic == out[first].epic) {
      errors.Add(out[i].line, "epic", Duplicate(out[first].line));
    } else {
      first = i;
    }
  }
  return out;
}

}  // namespace psm::roll
