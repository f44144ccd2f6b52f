/* See HYPRE_config.h here: Debian's multiarch link /usr/include/<triplet>/mpi → Open MPI's headers. */
#include <mpi/mpi.h>
