#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* New-style (libver latest) groups: /dense with 20 datasets (fractal heap + v2 B-tree name index),
   /compact with 2 (link messages in the object header), a dataset at the root.
   Arguments: output file, then "order" (creation-order indexes too) or "plain", then optionally N:
   a group /wide of N hard links to /x (N = 200: a two-level name index, a BTIN root over BTLF leaves),
   then optionally A: A attributes on /x (A > 8: dense attribute storage, a fractal heap of attribute
   messages and a v2 B-tree name index behind an Attribute Info message), then optionally words:
   "long" (the links of /wide get 240-character names: 3000 of them fill more heap rows than the root
   indirect block holds as direct blocks, so the heap grows indirect blocks below its root) and
   "deflate" (the groups' link heaps get the deflate filter: filtered direct blocks).
   Deep trees: N = 3000 gives a three-level name index (depth 2), A = 2000 a three-level attribute
   name index. */
int main(int argc, char **argv) {
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_libver_bounds(fapl, H5F_LIBVER_LATEST, H5F_LIBVER_LATEST);
    hid_t f = H5Fcreate(argv[1], H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    hsize_t dims[1] = {4};
    double v[4] = {1, 2, 3, 4};
    hid_t space = H5Screate_simple(1, dims, NULL);
    int longNames = 0, deflate = 0;
    for (int k = 5; k < argc; k++) {
        if (strcmp(argv[k], "long") == 0) longNames = 1;
        else if (strcmp(argv[k], "deflate") == 0) deflate = 1;
        else { fprintf(stderr, "unknown option %s\n", argv[k]); return 1; }
    }
    hid_t gcpl = H5Pcreate(H5P_GROUP_CREATE);
    if (argc > 2 && strcmp(argv[2], "order") == 0) H5Pset_link_creation_order(gcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
    if (deflate && H5Pset_deflate(gcpl, 6) < 0) { fprintf(stderr, "H5Pset_deflate on the group creation list failed\n"); return 1; }
    hid_t dense = H5Gcreate2(f, "dense", H5P_DEFAULT, gcpl, H5P_DEFAULT);
    hid_t compact = H5Gcreate2(f, "compact", H5P_DEFAULT, gcpl, H5P_DEFAULT);
    char name[320];
    for (int i = 0; i < 20; i++) {
        snprintf(name, sizeof name, "field_with_a_long_name_%02d", i);
        hid_t d = H5Dcreate2(dense, name, H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v); H5Dclose(d);
    }
    for (int i = 0; i < 2; i++) {
        snprintf(name, sizeof name, "c%d", i);
        hid_t d = H5Dcreate2(compact, name, H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v); H5Dclose(d);
    }
    hid_t d = H5Dcreate2(f, "x", H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
    int attributes = argc > 4 ? atoi(argv[4]) : 0;
    hid_t scalar = H5Screate(H5S_SCALAR);
    for (int i = 0; i < attributes; i++) {
        snprintf(name, sizeof name, "attribute_with_a_long_name_%02d", i);
        double value = i;
        hid_t a = H5Acreate2(d, name, H5T_IEEE_F64LE, scalar, H5P_DEFAULT, H5P_DEFAULT);
        H5Awrite(a, H5T_NATIVE_DOUBLE, &value); H5Aclose(a);
    }
    H5Sclose(scalar); H5Dclose(d);
    int wide = argc > 3 ? atoi(argv[3]) : 0;
    if (wide > 0) {
        hid_t g = H5Gcreate2(f, "wide", H5P_DEFAULT, gcpl, H5P_DEFAULT);
        for (int i = 0; i < wide; i++) {
            if (longNames) snprintf(name, sizeof name, "link_%05d_%0235d", i, 0);
            else snprintf(name, sizeof name, "link_with_a_long_name_%03d", i);
            H5Lcreate_hard(f, "x", g, name, H5P_DEFAULT, H5P_DEFAULT);
        }
        H5Gclose(g);
    }
    H5Gclose(dense); H5Gclose(compact); H5Sclose(space); H5Fclose(f);
    return 0;
}
