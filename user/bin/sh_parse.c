/* The shell's parser; see sh_parse.h for the grammar. */
#include "sh_parse.h"

#include <stddef.h>

enum token_kind { TOKEN_END, TOKEN_WORD, TOKEN_PIPE, TOKEN_LESS, TOKEN_GREATER, TOKEN_APPEND, TOKEN_SEMICOLON, TOKEN_AMPERSAND, TOKEN_ERROR };

struct lexer {
    char *cursor;
    char *word;
    const char *error;
    char pending; /* A special character overwritten by the NUL that ended a word. */
};

static int is_blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
static int is_special(char c) { return c == '|' || c == '<' || c == '>' || c == ';' || c == '&'; }

/* The operator that starts with `c`; `next` points just after it. */
static enum token_kind special_token(struct lexer *lexer, char c, char *next)
{
    lexer->cursor = next;
    switch (c) {
    case '|': return TOKEN_PIPE;
    case '<': return TOKEN_LESS;
    case ';': return TOKEN_SEMICOLON;
    case '&': return TOKEN_AMPERSAND;
    default:
        if (*next == '>') {
            lexer->cursor = next + 1;
            return TOKEN_APPEND;
        }
        return TOKEN_GREATER;
    }
}

/* Cuts the next token out of the line. Words are unquoted in place: the characters are
 * moved down over the quotes, and the word is NUL-terminated where it ends. */
static enum token_kind next_token(struct lexer *lexer)
{
    if (lexer->pending) {
        char c = lexer->pending;
        lexer->pending = 0;
        return special_token(lexer, c, lexer->cursor);
    }
    char *c = lexer->cursor;
    while (is_blank(*c))
        c++;
    if (*c == '\0' || *c == '#') {
        lexer->cursor = c;
        return TOKEN_END;
    }
    if (is_special(*c))
        return special_token(lexer, *c, c + 1);
    char *out = c;
    lexer->word = c;
    char quote = 0;
    while (*c) {
        if (quote) {
            if (*c == quote) {
                quote = 0;
                c++;
                continue;
            }
            if (quote == '"' && *c == '\\' && (c[1] == '"' || c[1] == '\\'))
                c++;
            *out++ = *c++;
            continue;
        }
        if (is_blank(*c) || is_special(*c))
            break;
        if (*c == '\'' || *c == '"') {
            quote = *c++;
            continue;
        }
        if (*c == '\\' && c[1])
            c++;
        *out++ = *c++;
    }
    if (quote) {
        lexer->error = "unterminated quote";
        return TOKEN_ERROR;
    }
    char stop = *c;
    *out = '\0';
    if (out < c || stop == '\0') {
        /* The character that ended the word is intact (or is the end): lex it next. */
        lexer->cursor = c;
    } else if (is_special(stop)) {
        lexer->pending = stop;
        lexer->cursor = c + 1;
    } else {
        lexer->cursor = c + 1;
    }
    return TOKEN_WORD;
}

const char *sh_parse(char *line, struct sh_line *result)
{
    struct lexer lexer = {line, NULL, NULL, 0};
    result->count = 0;
    struct sh_job *job = NULL;
    struct sh_command *command = NULL;
    int after_pipe = 0;
    for (;;) {
        enum token_kind kind = next_token(&lexer);
        if (kind == TOKEN_ERROR)
            return lexer.error;
        if (kind == TOKEN_END)
            break;
        if (after_pipe && kind != TOKEN_WORD && kind != TOKEN_LESS && kind != TOKEN_GREATER && kind != TOKEN_APPEND)
            return "missing command after |";
        after_pipe = kind == TOKEN_PIPE;
        if (!job) {
            if (result->count == SH_MAX_JOBS)
                return "too many commands on one line";
            job = &result->jobs[result->count++];
            job->count = 0;
            job->background = 0;
        }
        if (!command) {
            if (job->count == SH_MAX_COMMANDS)
                return "pipeline too long";
            command = &job->commands[job->count++];
            command->argc = 0;
            command->argv[0] = NULL;
            command->input = command->output = NULL;
            command->append = 0;
        }
        switch (kind) {
        case TOKEN_WORD:
            if (command->argc == SH_MAX_ARGS)
                return "too many arguments";
            command->argv[command->argc++] = lexer.word;
            command->argv[command->argc] = NULL;
            break;
        case TOKEN_LESS:
        case TOKEN_GREATER:
        case TOKEN_APPEND:
            if (next_token(&lexer) != TOKEN_WORD)
                return lexer.error ? lexer.error : "missing file name after redirection";
            if (kind == TOKEN_LESS) {
                command->input = lexer.word;
            } else {
                command->output = lexer.word;
                command->append = kind == TOKEN_APPEND;
            }
            break;
        case TOKEN_PIPE:
            if (command->argc == 0)
                return "missing command before |";
            command = NULL;
            break;
        case TOKEN_SEMICOLON:
        case TOKEN_AMPERSAND:
            if (command->argc == 0)
                return kind == TOKEN_SEMICOLON ? "missing command before ;" : "missing command before &";
            job->background = kind == TOKEN_AMPERSAND;
            job = NULL;
            command = NULL;
            break;
        default:
            break;
        }
    }
    if (after_pipe || (command && command->argc == 0))
        return after_pipe || job->count > 1 ? "missing command after |" : "missing command";
    return NULL;
}
