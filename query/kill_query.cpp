// KILL QUERY, parsed here rather than by the SQL parser: its condition is
// handed to the engine inside a SELECT on system.processes, as ClickHouse
// does, so this file only splits the statement into its parts.

#include <cctype>

#include "common/error.h"
#include "query/process_list.h"

namespace furl::query {
namespace {

bool isWordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; }

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

/// Skips white space and `--` and `/* */` comments from `pos`.
size_t skipSpace(std::string_view text, size_t pos) {
  while (pos < text.size()) {
    if (std::isspace(static_cast<unsigned char>(text[pos])) != 0) {
      ++pos;
    } else if (text.compare(pos, 2, "--") == 0) {
      size_t end = text.find('\n', pos);
      pos = end == std::string_view::npos ? text.size() : end + 1;
    } else if (text.compare(pos, 2, "/*") == 0) {
      size_t end = text.find("*/", pos + 2);
      pos = end == std::string_view::npos ? text.size() : end + 2;
    } else {
      break;
    }
  }
  return pos;
}

/// Reads the word at `pos` (after white space); advances `pos` past it.
std::string_view readWord(std::string_view text, size_t& pos) {
  pos = skipSpace(text, pos);
  size_t start = pos;
  while (pos < text.size() && isWordChar(text[pos])) ++pos;
  return text.substr(start, pos - start);
}

std::string_view trimEnd(std::string_view text) {
  while (!text.empty() && (std::isspace(static_cast<unsigned char>(text.back())) != 0 || text.back() == ';')) {
    text.remove_suffix(1);
  }
  return text;
}

/// Splits off the last word of `text` when the text ends with one that
/// follows white space: "a = 1 SYNC" gives "SYNC" and leaves "a = 1".
std::string_view popLastWord(std::string_view& text) {
  size_t end = text.size();
  size_t start = end;
  while (start > 0 && isWordChar(text[start - 1])) --start;
  if (start == end || start == 0 || std::isspace(static_cast<unsigned char>(text[start - 1])) == 0) return {};
  std::string_view word = text.substr(start);
  text = trimEnd(text.substr(0, start));
  return word;
}

ColumnPtr stringColumn(const std::vector<std::string>& values) {
  auto column = Column::makeFlat(DataType(TypeId::kString), values.size());
  for (size_t row = 0; row < values.size(); ++row) column->setValue(row, Value::string(values[row]));
  return column;
}

}  // namespace

std::optional<KillQueryStatement> parseKillQuery(std::string_view sql) {
  size_t pos = 0;
  if (!equalsIgnoreCase(readWord(sql, pos), "KILL")) return std::nullopt;
  if (!equalsIgnoreCase(readWord(sql, pos), "QUERY")) return std::nullopt;

  size_t afterQuery = pos;
  std::string_view word = readWord(sql, pos);
  if (equalsIgnoreCase(word, "ON")) {
    // ON CLUSTER names a cluster; this server is a single node.
    if (!equalsIgnoreCase(readWord(sql, pos), "CLUSTER") || readWord(sql, pos).empty()) {
      throw QueryError(ErrorCode::kSyntaxError,
                       "invalid KILL QUERY: expected ON CLUSTER name; write KILL QUERY WHERE query_id = '...'");
    }
    afterQuery = pos;
    word = readWord(sql, pos);
  }
  if (!equalsIgnoreCase(word, "WHERE")) {
    pos = skipSpace(sql, afterQuery);
    throw QueryError(ErrorCode::kSyntaxError,
                     "invalid KILL QUERY: expected WHERE at '" + std::string(sql.substr(pos, 30)) +
                         "'; write KILL QUERY WHERE query_id = '...' [SYNC | ASYNC | TEST]");
  }

  KillQueryStatement statement;
  std::string_view rest = trimEnd(sql.substr(pos));
  std::string_view beforeFormat = rest;
  std::string_view formatName = popLastWord(beforeFormat);
  std::string_view formatCandidate = beforeFormat;
  if (!formatName.empty() && equalsIgnoreCase(popLastWord(formatCandidate), "FORMAT")) {
    statement.format = std::string(formatName);
    rest = formatCandidate;
  }
  std::string_view beforeMode = rest;
  std::string_view mode = popLastWord(beforeMode);
  if (equalsIgnoreCase(mode, "SYNC")) {
    statement.mode = KillQueryStatement::Mode::kSync;
    rest = beforeMode;
  } else if (equalsIgnoreCase(mode, "ASYNC")) {
    statement.mode = KillQueryStatement::Mode::kAsync;
    rest = beforeMode;
  } else if (equalsIgnoreCase(mode, "TEST")) {
    statement.mode = KillQueryStatement::Mode::kTest;
    rest = beforeMode;
  }
  rest = rest.substr(skipSpace(rest, 0));
  if (rest.empty()) {
    throw QueryError(ErrorCode::kSyntaxError,
                     "invalid KILL QUERY: the WHERE condition is empty; write KILL QUERY WHERE query_id = '...'");
  }
  statement.where = std::string(rest);
  return statement;
}

QueryResult executeKillQuery(QueryEngine& engine, ProcessList& processes, const KillQueryStatement& statement,
                             const QueryOptions& options) {
  QueryOptions selectOptions;
  selectOptions.queryId = options.queryId;
  selectOptions.settings = options.settings;
  selectOptions.cancelled = options.cancelled;
  selectOptions.deadline = options.deadline;
  selectOptions.readOnly = true;
  selectOptions.readOnlyReason = "the condition of KILL QUERY only reads system.processes";
  // The condition goes into the query in brackets, so an OR in it cannot
  // reach past the WHERE.
  QueryResult selected =
      engine.execute("SELECT query_id, user, query FROM system.processes WHERE (" + statement.where + ")",
                     selectOptions);

  std::vector<std::string> statuses, queryIds, users, queries;
  for (Batch& raw : selected.batches) {
    Batch batch = raw.sel ? raw.compact() : std::move(raw);
    for (size_t row = 0; row < batch.numRows; ++row) {
      std::string queryId(batch.columns[0]->stringAt(row));
      if (queryId == options.queryId) continue;  // as ClickHouse, never the KILL statement itself
      queryIds.push_back(std::move(queryId));
      users.emplace_back(batch.columns[1]->stringAt(row));
      queries.emplace_back(batch.columns[2]->stringAt(row));
    }
  }

  std::vector<std::shared_ptr<QueryProcess>> waited;
  for (const std::string& queryId : queryIds) {
    if (statement.mode == KillQueryStatement::Mode::kTest) {
      statuses.emplace_back("unknown_status");
      continue;
    }
    auto cancelled = processes.cancel(queryId);
    if (statement.mode == KillQueryStatement::Mode::kSync) {
      waited.insert(waited.end(), cancelled.begin(), cancelled.end());
      statuses.emplace_back("finished");
    } else {
      statuses.emplace_back(cancelled.empty() ? "finished" : "waiting");
    }
  }

  if (!waited.empty()) {
    auto stopWaiting = [&] {
      return (options.cancelled != nullptr && options.cancelled->load()) ||
             std::chrono::steady_clock::now() >= options.deadline;
    };
    if (!processes.waitUntilFinished(waited, stopWaiting)) {
      if (options.cancelled != nullptr && options.cancelled->load()) {
        throw QueryError(ErrorCode::kQueryWasCancelled, "query " + options.queryId + " was cancelled");
      }
      throw QueryError(ErrorCode::kTimeoutExceeded,
                       "KILL QUERY SYNC exceeded max_execution_time while the killed queries were still ending; "
                       "use ASYNC or raise the setting");
    }
  }

  QueryResult result;
  result.columnNames = {"kill_status", "query_id", "user", "query"};
  result.columnTypes.assign(4, DataType(TypeId::kString));
  result.format = statement.format;
  if (!queryIds.empty()) {
    Batch batch;
    batch.columns = {stringColumn(statuses), stringColumn(queryIds), stringColumn(users), stringColumn(queries)};
    batch.numRows = queryIds.size();
    result.batches.push_back(std::move(batch));
  }
  result.stats.resultRows = queryIds.size();
  result.stats.readRows = selected.stats.readRows;
  return result;
}

std::string queryKind(std::string_view sql) {
  size_t pos = 0;
  // A statement in brackets, such as (SELECT 1) UNION ALL (SELECT 2).
  pos = skipSpace(sql, pos);
  while (pos < sql.size() && sql[pos] == '(') pos = skipSpace(sql, pos + 1);
  std::string_view word = readWord(sql, pos);
  static const std::pair<std::string_view, std::string_view> kKinds[] = {
      {"SELECT", "Select"},     {"WITH", "Select"},     {"INSERT", "Insert"},     {"CREATE", "Create"},
      {"DROP", "Drop"},         {"TRUNCATE", "Drop"},   {"ALTER", "Alter"},       {"RENAME", "Rename"},
      {"OPTIMIZE", "Optimize"}, {"SYSTEM", "System"},   {"SET", "Set"},           {"USE", "Use"},
      {"SHOW", "Show"},         {"EXISTS", "Exists"},   {"DESCRIBE", "Describe"}, {"DESC", "Describe"},
      {"EXPLAIN", "Explain"},   {"KILL", "KillQuery"},  {"DELETE", "Delete"},     {"UPDATE", "Update"}};
  for (const auto& [keyword, kind] : kKinds) {
    if (equalsIgnoreCase(word, keyword)) return std::string(kind);
  }
  return "";
}

}  // namespace furl::query
