// COPY ... TO STDOUT: the statement read into its query and options, and lines in PostgreSQL's
// text and CSV formats (the expected bytes are what PostgreSQL 15 writes for the same values).
#include "serve/copy_out.hpp"

#include <gtest/gtest.h>

#include "serve/sql_error.hpp"

namespace pond::serve {
namespace {

std::string code_of(const std::string& sql) {
  try {
    parse_copy_to_stdout(sql);
  } catch (const SqlError& e) {
    return e.code();
  }
  return "ok";
}

std::string line(const CopyOptions& o, const std::vector<std::optional<std::string>>& values) {
  std::string out;
  append_copy_line(out, o, values);
  return out;
}

TEST(CopyOutTest, ReadsQueryAndTableForms) {
  CopyToStdout c = parse_copy_to_stdout("COPY  ( select ')' as p, (1) ) TO STDOUT");
  EXPECT_EQ(c.query, " select ')' as p, (1) ");
  EXPECT_FALSE(c.options.csv);
  EXPECT_EQ(c.options.delimiter, '\t');
  EXPECT_EQ(c.options.null, "\\N");
  c = parse_copy_to_stdout("copy main.\"Raw Orders\" (id, \"Status\") to stdout");
  EXPECT_EQ(c.query, "SELECT id, \"Status\" FROM main.\"Raw Orders\"");
  c = parse_copy_to_stdout("copy t to stdout");
  EXPECT_EQ(c.query, "SELECT * FROM t");
}

TEST(CopyOutTest, ReadsBothOptionSyntaxes) {
  CopyToStdout c =
      parse_copy_to_stdout("copy t to stdout with (format csv, header, delimiter ';', null 'NA')");
  EXPECT_TRUE(c.options.csv);
  EXPECT_TRUE(c.options.header);
  EXPECT_EQ(c.options.delimiter, ';');
  EXPECT_EQ(c.options.null, "NA");
  c = parse_copy_to_stdout("copy t to stdout (header false, format 'csv')");
  EXPECT_FALSE(c.options.header);
  EXPECT_EQ(c.options.delimiter, ',');
  EXPECT_EQ(c.options.null, "");
  c = parse_copy_to_stdout("copy t to stdout csv header quote as '''' escape '\\'");
  EXPECT_TRUE(c.options.csv && c.options.header);
  EXPECT_EQ(c.options.quote, '\'');
  EXPECT_EQ(c.options.escape, '\\');
  c = parse_copy_to_stdout("copy t to stdout delimiter '|' null as ''");
  EXPECT_EQ(c.options.delimiter, '|');
  EXPECT_EQ(c.options.null, "");
}

TEST(CopyOutTest, RefusesWhatItDoesNotServe) {
  EXPECT_EQ(code_of("copy t to '/tmp/x.csv'"), "42501");
  EXPECT_EQ(code_of("copy t to program 'rm -rf /'"), "42501");
  EXPECT_EQ(code_of("copy t from stdin"), "0A000");
  EXPECT_EQ(code_of("copy t to stdout (format binary)"), "0A000");
  EXPECT_EQ(code_of("copy t to stdout binary"), "0A000");
  EXPECT_EQ(code_of("copy t to stdout (force_quote *)"), "0A000");
  EXPECT_EQ(code_of("copy t to stdout (format parquet)"), "22023");
  EXPECT_EQ(code_of("copy t to stdout (bogus 1)"), "42601");
  EXPECT_EQ(code_of("copy t to stdout (delimiter ';;')"), "0A000");
  EXPECT_EQ(code_of("copy t to stdout (quote '\"')"), "0A000");  // QUOTE needs CSV
  EXPECT_EQ(code_of("copy t to stdout (format csv, delimiter '\"')"), "22023");
  EXPECT_EQ(code_of("copy t to stdout (encoding 'LATIN1')"), "0A000");
  EXPECT_EQ(code_of("copy (select 1 to stdout"), "42601");
  EXPECT_EQ(code_of("copy t to stdout extra"), "42601");
  EXPECT_EQ(code_of("copy t; drop table t to stdout"), "42601");
}

TEST(CopyOutTest, TextFormatEscapesAsPostgres) {
  CopyOptions o;
  EXPECT_EQ(line(o, {"1", std::nullopt, "a\tb\nc\\d\re", ""}), "1\t\\N\ta\\tb\\nc\\\\d\\re\t\n");
  o.delimiter = '|';
  EXPECT_EQ(line(o, {"a|b", "\\N"}), "a\\|b|\\\\N\n");
}

TEST(CopyOutTest, CsvQuotesAsPostgres) {
  CopyOptions o = parse_copy_to_stdout("copy t to stdout csv").options;
  EXPECT_EQ(line(o, {"1", std::nullopt, "", "a,b", "say \"hi\"", "two\nlines", "\\.", "plain"}),
            "1,,\"\",\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\"\\.\",plain\n");
  o = parse_copy_to_stdout("copy t to stdout (format csv, null 'NULL', escape '\\')").options;
  EXPECT_EQ(line(o, {std::nullopt, "NULL", "", "a\"b\\c"}), "NULL,\"NULL\",,\"a\\\"b\\\\c\"\n");
}

}  // namespace
}  // namespace pond::serve
