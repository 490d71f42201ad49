// Table rendering: CSV quoting (RFC 4180), LaTeX escaping, Markdown, shape checks.
#include "mvpose3d/eval/table.h"

#include "mvpose3d/core/error.h"

#include <limits>

#include <gtest/gtest.h>

namespace mvpose3d::eval {
namespace {

Table sample() {
  Table t;
  t.title = "Ablation: 50% of S_1 & #2";
  t.header = {"run", "MPJPE"};
  t.rows = {{"plain", "30.2"}, {"a,b", "1"}, {"say \"hi\"", "2"}, {"two\nlines", "3"}};
  t.note = "frame_weighted";
  return t;
}

TEST(Table, CsvQuotesPerRfc4180) {
  const std::string csv = sample().to_csv();
  EXPECT_EQ(csv,
            "run,MPJPE\r\n"
            "plain,30.2\r\n"
            "\"a,b\",1\r\n"
            "\"say \"\"hi\"\"\",2\r\n"
            "\"two\nlines\",3\r\n");
  EXPECT_EQ(csv_field("x"), "x");
  EXPECT_EQ(csv_field("\""), "\"\"\"\"");
  EXPECT_EQ(csv_field("a\rb"), "\"a\rb\"");
}

TEST(Table, LatexEscapesAndBooktabs) {
  EXPECT_EQ(latex_escape("S_1 50% & #2"), "S\\_1 50\\% \\& \\#2");
  EXPECT_EQ(latex_escape("a\\b{c}$~^"),
            "a\\textbackslash{}b\\{c\\}\\$\\textasciitilde{}\\textasciicircum{}");
  const std::string tex = sample().to_latex();
  EXPECT_NE(tex.find("\\caption{Ablation: 50\\% of S\\_1 \\& \\#2}"), std::string::npos) << tex;
  EXPECT_NE(tex.find("\\begin{tabular}{lr}\n\\toprule\nrun & MPJPE \\\\\n\\midrule\n"),
            std::string::npos)
      << tex;
  EXPECT_NE(tex.find("plain & 30.2 \\\\\n"), std::string::npos) << tex;
  EXPECT_NE(tex.find("\\bottomrule\n\\end{tabular}\n"), std::string::npos) << tex;
  EXPECT_NE(tex.find("frame\\_weighted"), std::string::npos) << tex;
  EXPECT_EQ(tex.find("S_1"), std::string::npos) << tex;  // nothing unescaped
}

TEST(Table, MarkdownEscapesPipes) {
  Table t{"T", {"a", "b"}, {{"x|y", "1"}}, ""};
  EXPECT_EQ(t.to_markdown(), "### T\n\n| a | b |\n|:---|---:|\n| x\\|y | 1 |\n");
}

TEST(Table, RefusesRaggedRows) {
  Table t{"ragged", {"a", "b"}, {{"1", "2"}, {"3"}}, ""};
  try {
    t.to_csv();
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("table \"ragged\": row 1 has 1 cells, expected 2"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(t.to_latex(), Error);
  EXPECT_THROW(t.to_markdown(), Error);
}

TEST(Table, FormatsNumbers) {
  EXPECT_EQ(format_number(41.26), "41.3");
  EXPECT_EQ(format_number(7.0, 2), "7.00");
  EXPECT_EQ(format_number(std::numeric_limits<double>::quiet_NaN()), "nan");
  EXPECT_EQ(format_number(-std::numeric_limits<double>::infinity()), "-inf");
}

}  // namespace
}  // namespace mvpose3d::eval
