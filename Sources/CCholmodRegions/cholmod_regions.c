/* See include/cholmod_regions.h. */
#define _GNU_SOURCE
#include "cholmod_regions.h"

#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
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

typedef void (*gomp_parallel_function)(void (*)(void *), void *, unsigned, unsigned);

static gomp_parallel_function libgomp_parallel;   /* libgomp's GOMP_parallel */
static int inline_enabled = 1;
static int bound;
static long inlined_count, forwarded_count;
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* What libcholmod's calls of GOMP_parallel reach once its slots point here. */
static void cholmod_gomp_parallel(void (*fn)(void *), void *data, unsigned num_threads, unsigned flags) {
    if (libgomp_parallel == NULL || __atomic_load_n(&inline_enabled, __ATOMIC_RELAXED)) {
        __atomic_fetch_add(&inlined_count, 1, __ATOMIC_RELAXED);
        fn(data);
        return;
    }
    __atomic_fetch_add(&forwarded_count, 1, __ATOMIC_RELAXED);
    libgomp_parallel(fn, data, num_threads, flags);
}

/* What libcholmod's calls of SuiteSparse_time reach: CHOLMOD reads the clock only for its timing
   statistics (Common->CHOLMOD_CPU_GEMM_TIME and the like, which PDEKit never reads), around every
   BLAS call of its supernodal factorization: 6 % of a 128² Darcy sample's CPU time in clock_gettime. */
static double cholmod_statistics_clock(void) { return 0; }

/* The functions libcholmod's slots are pointed at. */
static const struct { const char *name; void *replacement; } replacements[] = {
    {"GOMP_parallel", (void *)cholmod_gomp_parallel},
    {"SuiteSparse_time", (void *)cholmod_statistics_clock},
};

/* An address from the dynamic section: glibc relocates some entries in place, others stay offsets. */
static uintptr_t dynamic_address(const struct dl_phdr_info *info, ElfW(Addr) value) {
    return value < info->dlpi_addr ? info->dlpi_addr + value : value;
}

/* Points every GOT slot of libcholmod that holds one of the `replacements` (jump slots and, for
   -fno-plt code, GLOB_DAT entries) at its replacement. The slots may lie in the RELRO segment, which is
   read-only after relocation: it is made writable for the write and read-only again. */
#ifdef JUMP_SLOT
static int patch_object(struct dl_phdr_info *info, size_t size, void *unused) {
    (void)size; (void)unused;
    if (info->dlpi_name == NULL || strstr(info->dlpi_name, "/libcholmod.") == NULL) return 0;
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
    if (dynamic == NULL) return 1;
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
    if (symbols == NULL || names == NULL) return 1;
    long page = sysconf(_SC_PAGESIZE);
    for (int t = 0; t < 2; t++) {
        if (tables[t] == NULL) continue;
        for (size_t r = 0; r < table_bytes[t] / sizeof(ElfW(Rela)); r++) {
            const ElfW(Rela) *relocation = &tables[t][r];
            unsigned type = ELF64_R_TYPE(relocation->r_info);
            if (type != JUMP_SLOT && type != GLOB_DAT) continue;
            const char *name = names + symbols[ELF64_R_SYM(relocation->r_info)].st_name;
            void *replacement = NULL;
            for (size_t k = 0; k < sizeof replacements / sizeof replacements[0]; k++) {
                if (strcmp(name, replacements[k].name) == 0) replacement = replacements[k].replacement;
            }
            if (replacement == NULL) continue;
            uintptr_t slot = info->dlpi_addr + relocation->r_offset;
            void *first_page = (void *)(slot & ~(uintptr_t)(page - 1));
            int in_relro = slot >= relro_start && slot < relro_end;
            if (in_relro && mprotect(first_page, (size_t)page, PROT_READ | PROT_WRITE) != 0) continue;
            __atomic_store_n((void **)slot, replacement, __ATOMIC_RELEASE);
            if (in_relro) mprotect(first_page, (size_t)page, PROT_READ);
            if (replacement == (void *)cholmod_gomp_parallel) bound = 1;
        }
    }
    return 1;
}
#endif

static void initialize(void) {
    /* A host that wants its libcholmod left as loaded (libgomp teams, CHOLMOD's timing statistics) says so. */
    const char *choice = getenv("PDEKIT_CHOLMOD_REGIONS");
    if (choice != NULL && strcmp(choice, "libgomp") == 0) return;
    libgomp_parallel = (gomp_parallel_function)dlsym(RTLD_DEFAULT, "GOMP_parallel");
#ifdef JUMP_SLOT
    if (libgomp_parallel != NULL) dl_iterate_phdr(patch_object, NULL);
#endif
}

int pdekit_cholmod_regions_bind(void) {
    pthread_once(&once, initialize);
    return bound;
}

void pdekit_cholmod_regions_set_inline(int enabled) { __atomic_store_n(&inline_enabled, enabled != 0, __ATOMIC_RELAXED); }
int pdekit_cholmod_regions_inline(void) { return __atomic_load_n(&inline_enabled, __ATOMIC_RELAXED); }
long pdekit_cholmod_regions_inlined_count(void) { return __atomic_load_n(&inlined_count, __ATOMIC_RELAXED); }
long pdekit_cholmod_regions_forwarded_count(void) { return __atomic_load_n(&forwarded_count, __ATOMIC_RELAXED); }
