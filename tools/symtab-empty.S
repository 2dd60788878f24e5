/* The symbol table of the first kernel link: no entries. See tools/gen-symtab.py. */
    .section .symtab_data, "a"
    .balign 8
    .globl kernel_symtab_count
kernel_symtab_count:
    .dword 0
    .globl kernel_symtab_entries
kernel_symtab_entries:
    .globl kernel_symtab_names
kernel_symtab_names:
    .byte 0
