#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* Seed files for the chunk indexes of new-format datasets (layout message version 4, libver 1.10): one
   chunked float64 dataset /x whose index is chosen by its shape and creation properties (HDF5 File Format
   Specification 1.10, §IV.A.2.i):
     fixed       fixed maximum extents, several chunks            -> fixed array (FAHD/FADB; paged when > 1024)
     extensible  one unlimited dimension                          -> extensible array (EAHD/EAIB/EASB/EADB)
     btree2      two unlimited dimensions                         -> v2 B-tree of chunk records (type 10/11)
     single      one chunk the size of the dataset                -> single chunk (address, filtered size)
     implicit    fixed extents, space allocated early, no filter  -> implicit index (chunks in one block)
   Arguments: output file, kind, number of chunks, then optionally "deflate". For example
     h5cc -o chunk_indexes scripts/fuzz-hdf5/chunk_indexes.c
     ./chunk_indexes fixed.h5 fixed 4 && ./chunk_indexes fixedpaged.h5 fixed 2000 deflate
     python3 scripts/fuzz-hdf5/checksum_mutants.py .build/release/pdekit fixed.h5 300 73 */
int main(int argc, char **argv) {
    if (argc < 4) { fprintf(stderr, "usage: %s FILE fixed|extensible|btree2|single|implicit CHUNKS [deflate]\n", argv[0]); return 1; }
    const char *kind = argv[2];
    long chunks = atol(argv[3]);
    int deflate = argc > 4 && strcmp(argv[4], "deflate") == 0;
    if (chunks < 1 || chunks > 100000) { fprintf(stderr, "chunks must be 1...100000\n"); return 1; }
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_libver_bounds(fapl, H5F_LIBVER_LATEST, H5F_LIBVER_LATEST);
    hid_t f = H5Fcreate(argv[1], H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    int rank = 1;
    hsize_t dims[2] = {(hsize_t)chunks * 8, 1}, maximum[2] = {(hsize_t)chunks * 8, 1}, chunk[2] = {8, 1};
    if (strcmp(kind, "extensible") == 0) maximum[0] = H5S_UNLIMITED;
    else if (strcmp(kind, "btree2") == 0) {
        rank = 2; dims[0] = (hsize_t)chunks * 4; dims[1] = 4; chunk[0] = 4; chunk[1] = 4;
        maximum[0] = maximum[1] = H5S_UNLIMITED;
    } else if (strcmp(kind, "single") == 0) chunk[0] = dims[0];
    else if (strcmp(kind, "implicit") == 0) {
        if (deflate) { fprintf(stderr, "an implicit index has no filters\n"); return 1; }
        H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY);
    } else if (strcmp(kind, "fixed") != 0) { fprintf(stderr, "unknown kind %s\n", kind); return 1; }
    H5Pset_chunk(dcpl, rank, chunk);
    if (deflate) H5Pset_deflate(dcpl, 6);
    hid_t space = H5Screate_simple(rank, dims, maximum);
    size_t count = (size_t)(dims[0] * (rank == 2 ? dims[1] : 1));
    double *values = malloc(count * sizeof(double));
    for (size_t i = 0; i < count; i++) values[i] = (double)(i % 97) * 0.25;
    hid_t d = H5Dcreate2(f, "x", H5T_IEEE_F64LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (d < 0 || H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values) < 0) { fprintf(stderr, "writing failed\n"); return 1; }
    free(values);
    H5Dclose(d); H5Sclose(space); H5Pclose(dcpl); H5Fclose(f); H5Pclose(fapl);
    return 0;
}
