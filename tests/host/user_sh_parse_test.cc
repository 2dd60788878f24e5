// The shell's parser (user/bin/sh_parse.c, compiled here as C++): words, quotes,
// pipelines, redirections, job separators and the syntax errors it reports.
#include "../../user/bin/sh_parse.c"

#include <gtest/gtest.h>

#include <string>

namespace {

struct Parsed {
    sh_line line;
    std::string text;
    const char* error;
};

// Parses a copy of `input` (the parser cuts words out of the line in place).
Parsed parse(const char* input)
{
    Parsed result{};
    static char buffer[1024];
    snprintf(buffer, sizeof buffer, "%s", input);
    result.error = sh_parse(buffer, &result.line);
    return result;
}

TEST(UserShParse, SplitsWordsOnBlanks)
{
    Parsed p = parse("  echo  hello\tworld \n");
    ASSERT_EQ(p.error, nullptr);
    ASSERT_EQ(p.line.count, 1);
    ASSERT_EQ(p.line.jobs[0].count, 1);
    const sh_command& c = p.line.jobs[0].commands[0];
    ASSERT_EQ(c.argc, 3);
    EXPECT_STREQ(c.argv[0], "echo");
    EXPECT_STREQ(c.argv[1], "hello");
    EXPECT_STREQ(c.argv[2], "world");
    EXPECT_EQ(c.argv[3], nullptr);
}

TEST(UserShParse, QuotesKeepBlanksAndSpecials)
{
    Parsed p = parse("echo 'a | b' \"c;d\" e\\ f");
    ASSERT_EQ(p.error, nullptr);
    const sh_command& c = p.line.jobs[0].commands[0];
    ASSERT_EQ(c.argc, 4);
    EXPECT_STREQ(c.argv[1], "a | b");
    EXPECT_STREQ(c.argv[2], "c;d");
    EXPECT_STREQ(c.argv[3], "e f");
}

TEST(UserShParse, OperatorsNeedNoSpaces)
{
    Parsed p = parse("cat<in|grep x>>out;echo a>b&");
    ASSERT_EQ(p.error, nullptr);
    ASSERT_EQ(p.line.count, 2);
    const sh_job& first = p.line.jobs[0];
    ASSERT_EQ(first.count, 2);
    EXPECT_STREQ(first.commands[0].argv[0], "cat");
    EXPECT_STREQ(first.commands[0].input, "in");
    EXPECT_STREQ(first.commands[1].argv[0], "grep");
    EXPECT_STREQ(first.commands[1].argv[1], "x");
    EXPECT_STREQ(first.commands[1].output, "out");
    EXPECT_EQ(first.commands[1].append, 1);
    EXPECT_EQ(first.background, 0);
    const sh_job& second = p.line.jobs[1];
    EXPECT_STREQ(second.commands[0].argv[0], "echo");
    EXPECT_STREQ(second.commands[0].argv[1], "a");
    EXPECT_STREQ(second.commands[0].output, "b");
    EXPECT_EQ(second.commands[0].append, 0);
    EXPECT_EQ(second.background, 1);
}

TEST(UserShParse, EmptyLineAndCommentGiveNoJobs)
{
    EXPECT_EQ(parse("").line.count, 0);
    EXPECT_EQ(parse("   # a comment").line.count, 0);
    EXPECT_EQ(parse("   # a comment").error, nullptr);
}

TEST(UserShParse, ReportsSyntaxErrors)
{
    EXPECT_STREQ(parse("| wc").error, "missing command before |");
    EXPECT_STREQ(parse("ls |").error, "missing command after |");
    EXPECT_STREQ(parse("echo >").error, "missing file name after redirection");
    EXPECT_STREQ(parse("echo 'open").error, "unterminated quote");
    EXPECT_STREQ(parse("; ls").error, "missing command before ;");
}

TEST(UserShParse, TooManyArgumentsIsAnError)
{
    std::string line = "echo";
    for (int i = 0; i < SH_MAX_ARGS + 1; ++i)
        line += " x";
    EXPECT_STREQ(parse(line.c_str()).error, "too many arguments");
}

} // namespace
