#include "mm/real.h"
// made_up_function would not count: comments are not code.
int real_function() { return kRealConstant; }
