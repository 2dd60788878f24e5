// A fixture header: real_function() and RealType live in mm/real.h and kernel/mm/real.cc.
//
// Planted: made_up_helper() does not exist,
// MadeUpObject neither, and mm/no_such_file.h is not a file.
//
//   Diagrams are not read: FakeDiagramName -> another_fake_name;
#pragma once
struct RealType { int size; };
constexpr int kRealConstant = 1;
int real_function();
