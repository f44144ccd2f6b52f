/* SuiteSparse (Debian's libsuitesparse-dev ships no pkg-config file; headers live here). */
#include <suitesparse/cholmod.h>
#include <suitesparse/umfpack.h>
