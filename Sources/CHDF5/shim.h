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
static inline hid_t pdekit_H5T_NATIVE_INT8(void)   { return H5T_NATIVE_INT8; }
static inline hid_t pdekit_H5T_NATIVE_UINT8(void)  { return H5T_NATIVE_UINT8; }
static inline hid_t pdekit_H5P_FILE_CREATE(void)   { return H5P_FILE_CREATE; }
static inline hid_t pdekit_H5P_DATASET_XFER(void)  { return H5P_DATASET_XFER; }
static inline hid_t pdekit_H5P_LINK_CREATE(void)   { return H5P_LINK_CREATE; }
static inline hid_t pdekit_H5P_GROUP_CREATE(void)  { return H5P_GROUP_CREATE; }
static inline hid_t pdekit_H5E_DEFAULT(void)       { return H5E_DEFAULT; }
static inline hsize_t pdekit_H5S_UNLIMITED(void)   { return H5S_UNLIMITED; }
static inline size_t pdekit_H5T_VARIABLE(void)     { return H5T_VARIABLE; }
static inline unsigned pdekit_H5F_ACC_EXCL(void)   { return H5F_ACC_EXCL; }
/* Turns off HDF5's automatic printing of error stacks (failures are reported by return codes). */
static inline void pdekit_H5_silence_errors(void)  { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }
