/* HDF5 (serial). Macros that expand to function calls do not import into Swift,
   so they are exposed as static inline functions. */
#include <hdf5.h>
static inline hid_t pdekit_H5T_NATIVE_FLOAT(void)  { return H5T_NATIVE_FLOAT; }
static inline hid_t pdekit_H5T_NATIVE_DOUBLE(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t pdekit_H5T_NATIVE_INT32(void)  { return H5T_NATIVE_INT32; }
static inline hid_t pdekit_H5T_NATIVE_INT64(void)  { return H5T_NATIVE_INT64; }
static inline hid_t pdekit_H5T_C_S1(void)          { return H5T_C_S1; }
static inline hid_t pdekit_H5P_DEFAULT(void)       { return H5P_DEFAULT; }
static inline hid_t pdekit_H5P_DATASET_CREATE(void){ return H5P_DATASET_CREATE; }
static inline hid_t pdekit_H5S_ALL(void)           { return H5S_ALL; }
static inline unsigned pdekit_H5F_ACC_TRUNC(void)  { return H5F_ACC_TRUNC; }
static inline unsigned pdekit_H5F_ACC_RDONLY(void) { return H5F_ACC_RDONLY; }
static inline unsigned pdekit_H5F_ACC_RDWR(void)   { return H5F_ACC_RDWR; }
