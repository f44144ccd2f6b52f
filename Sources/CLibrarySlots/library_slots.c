/* See include/library_slots.h. */
#define _GNU_SOURCE
#include "library_slots.h"

#include <link.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#if defined(__x86_64__)
#define JUMP_SLOT R_X86_64_JUMP_SLOT
#define GLOB_DAT R_X86_64_GLOB_DAT
#elif defined(__aarch64__)
#define JUMP_SLOT R_AARCH64_JUMP_SLOT
#define GLOB_DAT R_AARCH64_GLOB_DAT
#endif

typedef struct {
    const char *fragment;
    const pdekit_slot_binding *bindings;
    size_t count;
    int *written;
    int matched;
} request;

/* An address from the dynamic section: glibc relocates some entries in place, others stay offsets. */
static uintptr_t dynamic_address(const struct dl_phdr_info *info, ElfW(Addr) value) {
    return value < info->dlpi_addr ? info->dlpi_addr + value : value;
}

#ifdef JUMP_SLOT
static int bind_object(struct dl_phdr_info *info, size_t size, void *context) {
    (void)size;
    request *r = context;
    if (info->dlpi_name == NULL || strstr(info->dlpi_name, r->fragment) == NULL) return 0;
    const ElfW(Dyn) *dynamic = NULL;
    uintptr_t relro_start = 0, relro_end = 0;
    for (int k = 0; k < info->dlpi_phnum; k++) {
        const ElfW(Phdr) *segment = &info->dlpi_phdr[k];
        if (segment->p_type == PT_DYNAMIC) dynamic = (const ElfW(Dyn) *)(info->dlpi_addr + segment->p_vaddr);
        if (segment->p_type == PT_GNU_RELRO) {
            relro_start = info->dlpi_addr + segment->p_vaddr;
            relro_end = relro_start + segment->p_memsz;
        }
    }
    if (dynamic == NULL) return 0;
    const ElfW(Sym) *symbols = NULL;
    const char *names = NULL;
    const ElfW(Rela) *tables[2] = {NULL, NULL};
    size_t table_bytes[2] = {0, 0};
    for (const ElfW(Dyn) *entry = dynamic; entry->d_tag != DT_NULL; entry++) {
        switch (entry->d_tag) {
        case DT_SYMTAB: symbols = (const ElfW(Sym) *)dynamic_address(info, entry->d_un.d_ptr); break;
        case DT_STRTAB: names = (const char *)dynamic_address(info, entry->d_un.d_ptr); break;
        case DT_JMPREL: tables[0] = (const ElfW(Rela) *)dynamic_address(info, entry->d_un.d_ptr); break;
        case DT_PLTRELSZ: table_bytes[0] = entry->d_un.d_val; break;
        case DT_RELA: tables[1] = (const ElfW(Rela) *)dynamic_address(info, entry->d_un.d_ptr); break;
        case DT_RELASZ: table_bytes[1] = entry->d_un.d_val; break;
        default: break;
        }
    }
    if (symbols == NULL || names == NULL) return 0;
    r->matched += 1;
    long page = sysconf(_SC_PAGESIZE);
    for (int t = 0; t < 2; t++) {
        if (tables[t] == NULL) continue;
        for (size_t k = 0; k < table_bytes[t] / sizeof(ElfW(Rela)); k++) {
            const ElfW(Rela) *relocation = &tables[t][k];
            unsigned type = ELF64_R_TYPE(relocation->r_info);
            if (type != JUMP_SLOT && type != GLOB_DAT) continue;
            const char *name = names + symbols[ELF64_R_SYM(relocation->r_info)].st_name;
            size_t which = r->count;
            for (size_t b = 0; b < r->count; b++) {
                if (strcmp(name, r->bindings[b].symbol) == 0) { which = b; break; }
            }
            if (which == r->count) continue;
            uintptr_t slot = info->dlpi_addr + relocation->r_offset;
            void *first_page = (void *)(slot & ~(uintptr_t)(page - 1));
            int in_relro = slot >= relro_start && slot < relro_end;
            if (in_relro && mprotect(first_page, (size_t)page, PROT_READ | PROT_WRITE) != 0) continue;
            __atomic_store_n((void **)slot, r->bindings[which].replacement, __ATOMIC_RELEASE);
            if (in_relro) mprotect(first_page, (size_t)page, PROT_READ);
            if (r->written != NULL) r->written[which] += 1;
        }
    }
    return 0;   /* keep going: a process may have loaded two copies */
}
#endif

int pdekit_bind_library_slots(const char *library_fragment, const pdekit_slot_binding *bindings, size_t count,
                              int *written) {
    if (written != NULL) memset(written, 0, count * sizeof *written);
    request r = {library_fragment, bindings, count, written, 0};
#ifdef JUMP_SLOT
    dl_iterate_phdr(bind_object, &r);
#endif
    return r.matched;
}
