/* FFTW3, double (fftw_*) and single (fftwf_*) precision. */
#include <fftw3.h>
