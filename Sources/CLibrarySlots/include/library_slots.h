#ifndef PDEKIT_LIBRARY_SLOTS_H
#define PDEKIT_LIBRARY_SLOTS_H
/*
 * One loaded library's calls of named functions, pointed at replacements.
 *
 * A shared library calls the functions of other libraries (and its own exported functions, unless it
 * was linked with -Bsymbolic) through its global offset table: one slot per function, which the
 * dynamic linker fills with the function's address (R_X86_64_JUMP_SLOT; R_X86_64_GLOB_DAT for code
 * built with -fno-plt). Writing another address into ONE library's slot redirects only that library's
 * calls: the function itself, and every other library's calls of it, stay as they are.
 *
 * PDEKit uses this where a Debian build of a dependency makes a choice that costs time and offers no
 * setting for it (see cholmod_regions.h and CHypre's threaded mat-vec): the replacement keeps the
 * function's contract, and the original stays reachable (dlsym) for the replacement to call.
 * Slots in the RELRO segment (read-only after relocation) are made writable for the write only.
 */
#include <stddef.h>

typedef struct {
    const char *symbol;    /* the function's name, as the library imports it */
    void *replacement;     /* what the library's slots for it are pointed at */
} pdekit_slot_binding;

/* Points every GOT slot of each loaded library whose path contains `library_fragment` (for example
   "/libcholmod.") that names bindings[k].symbol at bindings[k].replacement. written[k] (when `written`
   is not NULL) receives the number of slots written for binding k. Returns the number of libraries
   matched. Not thread-safe: call it once (pthread_once) before the library is used. */
int pdekit_bind_library_slots(const char *library_fragment, const pdekit_slot_binding *bindings, size_t count,
                              int *written);

#endif
