! The reference solution of the Fortran examples: -div(a grad u) = 1 on the unit square, u = 0 on the
! boundary, vertex-centred finite volumes with harmonic face averages (as PDEKit discretizes it),
! assembled here in CSR form and solved with IC(0)-preconditioned CG through PDEKit's C API.
module darcy_reference
  use, intrinsic :: iso_c_binding
  use pdekit
  implicit none
contains

  !> u_ref(i1, i0) on the s x s nodes (0 on the boundary) for the coefficient a(i1, i0).
  subroutine solve_darcy(a, s, u_ref, iterations, residual)
    integer, intent(in) :: s
    real(c_double), intent(in) :: a(0:s-1, 0:s-1)
    real(c_double), intent(out) :: u_ref(0:s-1, 0:s-1)
    integer(c_int64_t), intent(out) :: iterations
    real(c_double), intent(out) :: residual
    integer, parameter :: di(4) = [-1, 1, 0, 0], dj(4) = [0, 0, -1, 1]
    type(c_ptr) :: matrix, solver
    integer(c_int32_t) :: n, nonzeros, row, k, m, outcome
    integer :: i, j, f, qi, qj
    real(c_double), allocatable :: values(:), b(:), x(:)
    integer(c_int32_t), allocatable :: row_offsets(:), columns(:)
    real(c_double) :: h, af, diagonal, seconds

    m = s - 2
    n = m * m
    allocate(row_offsets(n + 1), columns(5 * n), values(5 * n), b(n), x(n))
    k = 0
    row_offsets(1) = 0
    do i = 1, m
      do j = 1, m
        row = (i - 1) * m + (j - 1)
        diagonal = 0d0
        k = k + 1
        columns(k) = row
        do f = 1, 4
          qi = i + di(f)
          qj = j + dj(f)
          af = 2d0 * a(j, i) * a(qj, qi) / (a(j, i) + a(qj, qi))
          diagonal = diagonal + af
          if (qi >= 1 .and. qi <= m .and. qj >= 1 .and. qj <= m) then
            columns(k + 1) = (qi - 1) * m + (qj - 1)
            values(k + 1) = -af
            k = k + 1
          end if
        end do
        values(row_offsets(row + 1) + 1) = diagonal
        row_offsets(row + 2) = k
      end do
    end do
    nonzeros = k
    h = 1d0 / dble(s - 1)
    b = h * h
    call check(pdekit_matrix_create_csr32(n, n, nonzeros, row_offsets, columns, values, matrix), 'pdekit_matrix_create_csr32')
    call check(pdekit_solver_create(PDEKIT_METHOD_CG, solver), 'pdekit_solver_create')
    call check(pdekit_solver_set_tolerance(solver, 1d-10, 10000_c_int64_t), 'pdekit_solver_set_tolerance')
    call check(pdekit_solver_set_preconditioner(solver, PDEKIT_PRECONDITIONER_IC0), 'pdekit_solver_set_preconditioner')
    call check(pdekit_solver_solve(solver, matrix, b, x, int(n, c_int64_t), 0_c_int32_t), 'pdekit_solver_solve')
    call check(pdekit_solver_report(solver, outcome, iterations, residual, seconds), 'pdekit_solver_report')
    call pdekit_solver_free(solver)
    call pdekit_matrix_free(matrix)
    u_ref = 0d0
    do i = 1, m
      do j = 1, m
        u_ref(j, i) = x((i - 1) * m + j)
      end do
    end do
  end subroutine
end module darcy_reference
