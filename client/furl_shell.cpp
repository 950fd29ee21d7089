// `furl`: the command-line client of the native protocol. Interactive with
// line editing when stdin is a terminal; otherwise runs --query, --file or
// the statements on stdin and exits non-zero on the first error.

#include <editline/readline.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "client/native_client.h"
#include "common/error.h"
#include "format/format_id.h"
#include "format/result_writer.h"
#include "format/row_reader.h"

namespace furl::client {
namespace {

// Set by the SIGINT handler; the query loop polls it and sends a cancel.
std::atomic<bool> interrupted{false};

void onSigint(int) { interrupted.store(true); }

struct ShellOptions {
  ClientOptions client;
  std::string query;
  std::string file;
  std::string format;
  std::string historyFile;
  bool showHelp = false;
  bool showVersion = false;
};

constexpr const char* kHelp = R"(Usage: furl [OPTIONS]

Client for Furl's native protocol. Without --query or --file, reads
statements from stdin, interactively with line editing when stdin is a
terminal. Statements end with ';'.

Options:
  --host HOST            server address (default 127.0.0.1)
  --port PORT            native protocol TCP port (default 9100)
  --user USER            user name (default "default")
  --password PASSWORD    password (default empty)
  --database NAME        database (default "default")
  -q, --query SQL        run these statements and exit
  -f, --file PATH        run the statements in this file and exit
  --format NAME          output format: Pretty, TSV, TSVWithNames, CSV,
                         CSVWithNames, JSON, JSONCompact, JSONEachRow,
                         JSONCompactEachRow (default Pretty when interactive,
                         TSV otherwise); a FORMAT clause in the statement wins
  --max-batch-bytes N    upper bound of result batches, in bytes
                         (default 0: the server's bound, 8 MiB)
  --no-compression       ask for uncompressed result batches (default: LZ4)
  --connect-timeout MS   connection timeout in milliseconds (default 10000)
  --history-file PATH    interactive history (default ~/.furl_history)
  --version              print the client version and exit
  -h, --help             print this help and exit

INSERT ... FORMAT Name without inline data reads its rows from stdin
(JSONEachRow, TSV, TSVWithNames, CSV, CSVWithNames).

Interactive keys: Ctrl-C cancels the running query, Ctrl-D or `exit` quits.
Exit status: 0 on success, 1 on any error (the message goes to stderr).
)";

// Parses argv; returns an error message for bad usage.
std::optional<std::string> parseArguments(int argc, char** argv, ShellOptions& options) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::string value;
    bool hasInlineValue = false;
    if (size_t eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
      hasInlineValue = true;
    }
    auto next = [&](std::string& out) -> bool {
      if (hasInlineValue) {
        out = value;
        return true;
      }
      if (i + 1 >= argc) return false;
      out = argv[++i];
      return true;
    };
    auto nextInt = [&](int& out) -> bool {
      std::string text;
      return next(text) && absl::SimpleAtoi(text, &out);
    };

    bool ok = true;
    if (arg == "-h" || arg == "--help") {
      options.showHelp = true;
    } else if (arg == "--version") {
      options.showVersion = true;
    } else if (arg == "--host") {
      ok = next(options.client.host);
    } else if (arg == "--port") {
      ok = nextInt(options.client.port) && options.client.port > 0 && options.client.port < 65536;
    } else if (arg == "--user") {
      ok = next(options.client.user);
    } else if (arg == "--password") {
      ok = next(options.client.password);
    } else if (arg == "--database") {
      ok = next(options.client.database);
    } else if (arg == "-q" || arg == "--query") {
      ok = next(options.query);
    } else if (arg == "-f" || arg == "--file") {
      ok = next(options.file);
    } else if (arg == "--format") {
      ok = next(options.format);
    } else if (arg == "--max-batch-bytes") {
      ok = nextInt(options.client.maxBatchBytes) && options.client.maxBatchBytes >= 0;
    } else if (arg == "--no-compression") {
      options.client.compression = false;
    } else if (arg == "--connect-timeout") {
      ok = nextInt(options.client.connectTimeoutMs) && options.client.connectTimeoutMs > 0;
    } else if (arg == "--history-file") {
      ok = next(options.historyFile);
    } else {
      return "unknown option '" + arg + "'; run furl --help for the list";
    }
    if (!ok) return "missing or invalid value for " + arg + "; run furl --help for the expected value";
  }
  return std::nullopt;
}

// --- statement splitting ----------------------------------------------------

struct Statement {
  std::string sql;
  /// For INSERT ... FORMAT Name: the name, and the inline data after it.
  std::string insertFormat;
  std::string insertData;
};

bool isWordChar(char c) { return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Splits a script at ';' outside quotes and comments. An INSERT ... FORMAT
// Name statement takes the rest of the text as its data, as the server's
// parser does. `complete` is false when the text ends inside a statement
// (no closing ';', or an open quote or comment); the unfinished text is then
// returned as the last statement.
std::vector<Statement> splitStatements(std::string_view text, bool& complete) {
  std::vector<Statement> statements;
  complete = true;
  size_t start = 0;
  size_t i = 0;
  std::vector<std::string> words;  // the first words of the statement, upper-cased
  bool isInsert = false;

  auto finish = [&](size_t end) {
    std::string sql(absl::StripAsciiWhitespace(std::string(text.substr(start, end - start))));
    if (!sql.empty()) statements.push_back({sql, "", ""});
    words.clear();
    isInsert = false;
  };

  while (i < text.size()) {
    char c = text[i];
    if (c == '\'' || c == '"' || c == '`') {
      size_t j = i + 1;
      while (j < text.size() && text[j] != c) j += text[j] == '\\' ? 2 : 1;
      if (j >= text.size()) {
        complete = false;
        i = text.size();
        break;
      }
      i = j + 1;
    } else if (c == '-' && i + 1 < text.size() && text[i + 1] == '-') {
      while (i < text.size() && text[i] != '\n') ++i;
    } else if (c == '/' && i + 1 < text.size() && text[i + 1] == '*') {
      size_t end = text.find("*/", i + 2);
      if (end == std::string_view::npos) {
        complete = false;
        i = text.size();
        break;
      }
      i = end + 2;
    } else if (c == ';') {
      finish(i);
      start = ++i;
    } else if (isWordChar(c)) {
      size_t j = i;
      while (j < text.size() && isWordChar(text[j])) ++j;
      std::string word = absl::AsciiStrToUpper(std::string(text.substr(i, j - i)));
      if (words.empty()) isInsert = word == "INSERT";
      bool afterFormat = !words.empty() && words.back() == "FORMAT";
      words.push_back(word);
      i = j;
      if (isInsert && afterFormat) {
        // The format name ends the SQL; what follows is the statement's data.
        Statement statement;
        statement.sql = std::string(absl::StripAsciiWhitespace(std::string(text.substr(start, i - start))));
        statement.insertFormat = std::string(text.substr(j - (word.size()), word.size()));
        std::string_view rest = text.substr(i);
        size_t dataStart = rest.find_first_not_of(" \t");
        if (dataStart != std::string_view::npos && rest[dataStart] == '\n') ++dataStart;
        if (dataStart != std::string_view::npos) statement.insertData = std::string(rest.substr(dataStart));
        // A lone ';' after the format name ends the statement with no data.
        std::string trimmed(absl::StripAsciiWhitespace(statement.insertData));
        if (trimmed == ";") statement.insertData.clear();
        statements.push_back(std::move(statement));
        return statements;
      }
    } else {
      ++i;
    }
  }
  std::string tail(absl::StripAsciiWhitespace(std::string(text.substr(start))));
  if (!tail.empty()) {
    complete = false;
    statements.push_back({tail, "", ""});
  }
  return statements;
}

// --- output -------------------------------------------------------------------

std::string humanBytes(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int unit = 0;
  while (bytes >= 1024 && unit < 4) {
    bytes /= 1024;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof(text), unit == 0 ? "%.0f %s" : "%.2f %s", bytes, units[unit]);
  return text;
}

std::string humanCount(double count) {
  const char* units[] = {"", " thousand", " million", " billion", " trillion"};
  int unit = 0;
  while (count >= 1000 && unit < 4) {
    count /= 1000;
    ++unit;
  }
  char text[48];
  std::snprintf(text, sizeof(text), unit == 0 ? "%.0f%s" : "%.2f%s", count, units[unit]);
  return text;
}

/// Writes batches to stdout in one output format as they arrive.
class ResultPrinter {
 public:
  ResultPrinter(format::FormatId format) : format_(format) {}

  void setSchema(const Schema& schema) {
    schema_ = schema;
    if (!schema.format.empty()) {
      if (auto id = findOutputFormat(schema.format)) format_ = *id;
    }
  }

  void print(const Batch& batch) {
    rows_ += batch.numRows;
    // JSON documents need every row before the closing statistics.
    if (format_ == format::FormatId::kJson || format_ == format::FormatId::kJsonCompact) {
      held_.push_back(batch);
      return;
    }
    std::vector<Batch> one = {batch};
    write(currentFormat(), one);
    printedHeader_ = true;
  }

  void finish(const Summary& summary) {
    if (!held_.empty() || ((format_ == format::FormatId::kJson || format_ == format::FormatId::kJsonCompact) &&
                           !schema_.names.empty())) {
      format::WriteOptions options;
      options.elapsedSeconds = static_cast<double>(summary.elapsedNs) / 1e9;
      options.rowsRead = summary.readRows;
      options.bytesRead = summary.readBytes;
      std::string out;
      format::writeResult(format_, format::ResultTable{schema_.names, schema_.types, held_}, options, out);
      std::fwrite(out.data(), 1, out.size(), stdout);
      held_.clear();
    } else if (!printedHeader_ && !schema_.names.empty()) {
      // Formats with a header still print it for an empty result.
      std::vector<Batch> none;
      if (format_ != format::FormatId::kPrettyCompact) write(format_, none);
    }
    std::fflush(stdout);
  }

  size_t rows() const { return rows_; }

  static std::optional<format::FormatId> findOutputFormat(const std::string& name) {
    if (name == "Pretty" || name == "PrettyCompactMonoBlock") return format::FormatId::kPrettyCompact;
    return format::findFormat(name);
  }

 private:
  // *WithNames formats print the header with the first batch only.
  format::FormatId currentFormat() const {
    if (!printedHeader_) return format_;
    switch (format_) {
      case format::FormatId::kTabSeparatedWithNames:
      case format::FormatId::kTabSeparatedWithNamesAndTypes:
        return format::FormatId::kTabSeparated;
      case format::FormatId::kCsvWithNames:
        return format::FormatId::kCsv;
      default:
        return format_;
    }
  }

  void write(format::FormatId format, const std::vector<Batch>& batches) {
    std::string out;
    format::writeResult(format, format::ResultTable{schema_.names, schema_.types, batches}, {}, out);
    std::fwrite(out.data(), 1, out.size(), stdout);
  }

  format::FormatId format_;
  Schema schema_;
  std::vector<Batch> held_;
  bool printedHeader_ = false;
  size_t rows_ = 0;
};

/// A one-line progress bar on stderr, shown only on a terminal and only for
/// queries that run longer than half a second.
class ProgressBar {
 public:
  explicit ProgressBar(bool enabled) : enabled_(enabled), start_(std::chrono::steady_clock::now()) {}

  void update(const Progress& progress) {
    if (!enabled_) return;
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    if (seconds < 0.5) return;
    uint64_t rows = progress.readRows > 0 ? progress.readRows : progress.resultRows;
    double rate = seconds > 0 ? static_cast<double>(rows) / seconds : 0;
    std::string line = absl::StrCat("\r\033[K", "Progress: ", humanCount(static_cast<double>(rows)), " rows, ",
                                    humanBytes(static_cast<double>(progress.resultBytes)), " (",
                                    humanCount(rate), " rows/s.)");
    if (progress.totalRowsEstimate > 0) {
      absl::StrAppend(&line, " ",
                      static_cast<int>(100.0 * static_cast<double>(progress.readRows) /
                                       static_cast<double>(progress.totalRowsEstimate)),
                      "%");
    }
    char elapsed[32];
    std::snprintf(elapsed, sizeof(elapsed), " %.1f s", seconds);
    line += elapsed;
    std::fputs(line.c_str(), stderr);
    shown_ = true;
  }

  void clear() {
    if (shown_) std::fputs("\r\033[K", stderr);
    shown_ = false;
  }

 private:
  bool enabled_;
  bool shown_ = false;
  std::chrono::steady_clock::time_point start_;
};

// --- running statements -----------------------------------------------------------

std::string errorText(const absl::Status& status) {
  QueryError error = errorFromStatus(status);
  return absl::StrCat("Code: ", static_cast<int>(error.code()), ". ", std::string(errorCodeName(error.code())),
                      ": ", error.what());
}

std::string readAll(std::istream& in) {
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Sends the rows of `data` through the columnar insert path: the client
// parses the input format itself, so any amount of data travels in bounded
// frames.
// TODO: the whole input is read and parsed before the first batch is sent;
// parsing line-delimited formats in chunks would bound the client's memory.
absl::StatusOr<Summary> runColumnarInsert(NativeClient& client, const Statement& statement, std::string_view data) {
  auto target = client.beginInsert(statement.sql);
  if (!target.ok()) return target.status();
  std::vector<format::ColumnSpec> specs;
  for (size_t c = 0; c < target->names.size(); ++c) specs.push_back({target->names[c], target->types[c]});
  auto batches = format::readRows(target->format, data, specs, {});
  if (!batches.ok()) {
    // The server drops an insert that never ends when the connection closes;
    // this one is ended with no rows so the session stays usable.
    (void)client.endInsert(*target);
    return batches.status();
  }
  for (const auto& batch : *batches) {
    absl::Status status = client.sendInsertBatch(*target, batch);
    if (!status.ok()) return status;
  }
  return client.endInsert(*target);
}

struct RunContext {
  NativeClient& client;
  format::FormatId format;
  bool interactive;
  bool progressOnTerminal;
  /// Stdin is free for INSERT data (not the source of statements).
  bool stdinHasData;
};

absl::Status runStatement(RunContext& context, const Statement& statement) {
  auto start = std::chrono::steady_clock::now();
  ResultPrinter printer(context.format);
  ProgressBar progressBar(context.progressOnTerminal);
  absl::StatusOr<Summary> summary;

  if (!statement.insertFormat.empty() && statement.insertData.empty() && context.stdinHasData) {
    summary = runColumnarInsert(context.client, statement, readAll(std::cin));
  } else {
    QueryCallbacks callbacks;
    callbacks.onSchema = [&](const Schema& schema) { printer.setSchema(schema); };
    callbacks.onBatch = [&](const Batch& batch) {
      progressBar.clear();
      printer.print(batch);
      return absl::OkStatus();
    };
    callbacks.onProgress = [&](const Progress& progress) { progressBar.update(progress); };
    callbacks.shouldCancel = [] { return interrupted.load(); };
    ExecuteOptions options;
    options.insertData = statement.insertData;
    std::string sql = statement.sql;
    if (!statement.insertData.empty()) sql += "\n";
    summary = context.client.execute(sql, callbacks, options);
    progressBar.clear();
    if (summary.ok()) printer.finish(*summary);
  }
  if (!summary.ok()) return summary.status();

  for (const auto& warning : summary->warnings) std::fprintf(stderr, "Warning: %s\n", warning.c_str());
  if (context.interactive) {
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::string line;
    if (summary->writtenRows > 0) {
      line = absl::StrCat("Ok. ", summary->writtenRows, " rows inserted.");
    } else if (printer.rows() == 0 && summary->resultRows == 0) {
      line = "Ok. 0 rows in set.";
    } else {
      line = absl::StrCat(printer.rows(), printer.rows() == 1 ? " row" : " rows", " in set.");
    }
    char elapsed[64];
    std::snprintf(elapsed, sizeof(elapsed), " Elapsed: %.3f sec.", seconds);
    line += elapsed;
    if (summary->readRows > 0) {
      absl::StrAppend(&line, " Processed ", humanCount(static_cast<double>(summary->readRows)), " rows, ",
                      humanBytes(static_cast<double>(summary->readBytes)), ".");
    }
    std::printf("\n%s\n\n", line.c_str());
    std::fflush(stdout);
  }
  return absl::OkStatus();
}

int runScript(RunContext& context, std::string_view script) {
  bool complete = true;
  for (const auto& statement : splitStatements(script, complete)) {
    absl::Status status = runStatement(context, statement);
    if (!status.ok()) {
      std::fprintf(stderr, "Error: %s\n", errorText(status).c_str());
      return 1;
    }
  }
  return 0;
}

bool isExitCommand(std::string_view line) {
  std::string word = absl::AsciiStrToLower(std::string(absl::StripAsciiWhitespace(std::string(line))));
  if (!word.empty() && word.back() == ';') word.pop_back();
  return word == "exit" || word == "quit" || word == "q" || word == "\\q";
}

int runInteractive(RunContext& context, const std::string& historyFile) {
  using_history();
  read_history(historyFile.c_str());
  std::printf("Connected to Furl server version %s.\n\n", context.client.serverVersion().c_str());

  std::string buffer;
  while (true) {
    interrupted = false;
    const char* prompt = buffer.empty() ? "furl :) " : "     :-] ";
    char* line = readline(prompt);
    if (line == nullptr) {
      if (interrupted.exchange(false)) {
        // Ctrl-C at the prompt drops the statement being typed.
        buffer.clear();
        std::printf("\n");
        continue;
      }
      std::printf("\n");
      break;  // Ctrl-D
    }
    std::string text(line);
    std::free(line);
    if (buffer.empty() && isExitCommand(text)) break;
    if (!buffer.empty()) buffer += "\n";
    buffer += text;

    bool complete = true;
    std::vector<Statement> statements = splitStatements(buffer, complete);
    bool endsWithSemicolon = !absl::StripTrailingAsciiWhitespace(buffer).empty() &&
                             std::string(absl::StripTrailingAsciiWhitespace(buffer)).back() == ';';
    if (statements.empty()) {
      buffer.clear();
      continue;
    }
    bool isInsertWithData = !statements.back().insertFormat.empty();
    if (!isInsertWithData && (!complete || !endsWithSemicolon)) continue;

    std::string historyEntry = buffer;
    for (char& c : historyEntry) {
      if (c == '\n') c = ' ';
    }
    add_history(historyEntry.c_str());
    write_history(historyFile.c_str());
    buffer.clear();

    for (const auto& statement : statements) {
      interrupted = false;
      absl::Status status = runStatement(context, statement);
      if (!status.ok()) {
        QueryError error = errorFromStatus(status);
        if (error.code() == ErrorCode::kQueryWasCancelled) {
          std::printf("Query was cancelled.\n\n");
        } else {
          std::printf("\nError: %s\n\n", errorText(status).c_str());
        }
        std::fflush(stdout);
        if (status.code() == absl::StatusCode::kUnavailable) return 1;
        break;
      }
    }
  }
  write_history(historyFile.c_str());
  return 0;
}

std::string defaultHistoryFile() {
  const char* home = std::getenv("HOME");
  return std::string(home != nullptr ? home : ".") + "/.furl_history";
}

int shellMain(int argc, char** argv) {
  ShellOptions options;
  if (auto error = parseArguments(argc, argv, options)) {
    std::fprintf(stderr, "furl: %s\n", error->c_str());
    return 1;
  }
  if (options.showHelp) {
    std::fputs(kHelp, stdout);
    return 0;
  }
  if (options.showVersion) {
    std::printf("furl 0.1.0\n");
    return 0;
  }

  bool stdinIsTerminal = isatty(STDIN_FILENO) != 0;
  bool interactive = options.query.empty() && options.file.empty() && stdinIsTerminal;
  std::string formatName = options.format.empty() ? (interactive ? "Pretty" : "TSV") : options.format;
  auto format = ResultPrinter::findOutputFormat(formatName);
  if (!format) {
    std::fprintf(stderr, "furl: unknown output format '%s'; use one of Pretty, %s\n", formatName.c_str(),
                 format::knownFormatNames().c_str());
    return 1;
  }

  // SIGINT cancels the running query instead of ending the process. No
  // SA_RESTART, so a blocking read in the prompt returns.
  struct sigaction action = {};
  action.sa_handler = onSigint;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);

  options.client.clientName = "furl";
  auto client = NativeClient::connect(options.client);
  if (!client.ok()) {
    std::fprintf(stderr, "Error: %s\n", errorText(client.status()).c_str());
    return 1;
  }

  RunContext context{**client, *format, interactive, interactive || isatty(STDERR_FILENO) != 0, false};
  context.progressOnTerminal = isatty(STDERR_FILENO) != 0;
  if (interactive) {
    return runInteractive(context, options.historyFile.empty() ? defaultHistoryFile() : options.historyFile);
  }
  if (!options.query.empty()) {
    context.stdinHasData = !stdinIsTerminal;
    return runScript(context, options.query);
  }
  if (!options.file.empty()) {
    std::ifstream in(options.file, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "furl: cannot read file '%s'\n", options.file.c_str());
      return 1;
    }
    context.stdinHasData = !stdinIsTerminal;
    return runScript(context, readAll(in));
  }
  return runScript(context, readAll(std::cin));
}

}  // namespace
}  // namespace furl::client

int main(int argc, char** argv) { return furl::client::shellMain(argc, argv); }
