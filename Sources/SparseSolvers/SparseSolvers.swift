// SparseSolvers: sparse matrices, direct and Krylov solvers (issue 3).
