// Names and descriptions of the errno codes, built from ATLAS_ERRNO_LIST so that the
// table cannot drift from the constants.
#include "lib/errno.h"

const char* errno_name(int code)
{
    switch (code) {
#define ATLAS_ERRNO_NAME_CASE_(name, value, description) \
    case value:                                          \
        return #name;
        ATLAS_ERRNO_LIST(ATLAS_ERRNO_NAME_CASE_)
#undef ATLAS_ERRNO_NAME_CASE_
    default:
        return "E?";
    }
}

const char* errno_description(int code)
{
    switch (code) {
#define ATLAS_ERRNO_DESCRIPTION_CASE_(name, value, description) \
    case value:                                                 \
        return description;
        ATLAS_ERRNO_LIST(ATLAS_ERRNO_DESCRIPTION_CASE_)
#undef ATLAS_ERRNO_DESCRIPTION_CASE_
    default:
        return "Unknown error";
    }
}
