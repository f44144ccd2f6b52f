// Open MPI (Debian libopenmpi-dev) for the Distributed module.
//
// Open MPI's predefined handles (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM, …) are macros that take the
// address of library globals; Swift imports no such macro, so each is returned by a static inline
// function here, compiled by clang where Swift imports the header.
#ifndef PDEKIT_CMPI_SHIM_H
#define PDEKIT_CMPI_SHIM_H
#include <mpi.h>

static inline MPI_Comm pdekit_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype pdekit_mpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype pdekit_mpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Datatype pdekit_mpi_byte(void) { return MPI_BYTE; }
static inline MPI_Datatype pdekit_mpi_int64(void) { return MPI_INT64_T; }
static inline MPI_Op pdekit_mpi_sum(void) { return MPI_SUM; }
static inline MPI_Op pdekit_mpi_max(void) { return MPI_MAX; }
/// MPI_IN_PLACE, the send buffer of an in-place reduction.
static inline void *pdekit_mpi_in_place(void) { return MPI_IN_PLACE; }
static inline int pdekit_mpi_success(void) { return MPI_SUCCESS; }
static inline int pdekit_mpi_thread_funneled(void) { return MPI_THREAD_FUNNELED; }

#endif
