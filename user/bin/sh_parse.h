/* The shell's command-line parser, kept apart from sh.c so that it can be tested on the
 * host. A line is parsed into a list of jobs; each job is a pipeline of commands:
 *
 *   line     := job { (';' | '&') job } [';' | '&']
 *   job      := command { '|' command }
 *   command  := { word | '<' word | '>' word | '>>' word }
 *
 * Words may be quoted with '...' or "..." (no escapes inside '...', backslash escapes the
 * next character elsewhere). Parsing never allocates: words are cut out of the line in
 * place (the line is modified) and the structure has fixed, generous limits; exceeding
 * one, or a syntax error, gives an error message instead of a partial parse. */
#ifndef ATLAS_SH_PARSE_H
#define ATLAS_SH_PARSE_H

#define SH_MAX_ARGS 32
#define SH_MAX_COMMANDS 16
#define SH_MAX_JOBS 16

struct sh_command {
    char *argv[SH_MAX_ARGS + 1]; /* NULL-terminated */
    int argc;
    char *input;   /* < file, or NULL */
    char *output;  /* > or >> file, or NULL */
    int append;    /* 1 for >> */
};

struct sh_job {
    struct sh_command commands[SH_MAX_COMMANDS];
    int count;
    int background; /* ended by & */
};

struct sh_line {
    struct sh_job jobs[SH_MAX_JOBS];
    int count;
};

/* Parses `line` (modified in place) into `result`. Returns NULL on success, or a static
 * message describing the syntax error. An empty line or comment gives zero jobs. */
const char *sh_parse(char *line, struct sh_line *result);

#endif
