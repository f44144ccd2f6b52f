/* hypre's headers include <HYPRE_config.h> and "mpi.h" as if both directories were on the include
 * path; Debian keeps them in /usr/include/hypre and Open MPI's include directory, and SwiftPM takes no
 * absolute include paths without unsafe flags. These two forwarders (found through this target's
 * private header search path) name the real files. */
#include "/usr/include/hypre/HYPRE_config.h"
