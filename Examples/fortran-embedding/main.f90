! Embedding PDEKit in a Fortran code through iso_c_binding (see pdekit.h).
!
! With a trained 2-D Darcy FNO (from `pdekit train fno` or Examples/train-fno) this program
!   1. builds a permeability a = 12 / 3 on the model's training grid,
!   2. predicts the pressure with the FNO (pdekit_operator_apply_layout_f64, column-major: the
!      Fortran arrays are passed as they are),
!   3. assembles -div(a grad u) = 1, u = 0 on the boundary, in CSR form (vertex-centred finite volumes
!      with harmonic face averages, as PDEKit discretizes it), solves it with IC(0)-preconditioned CG
!      through PDEKit, and prints the surrogate's relative L2 error,
!   4. checks that a missing checkpoint comes back as an error code with a message.
!
! Layout: fields are Fortran arrays f(i0, i1) (node (x_i0, y_i1)), passed with PDEKIT_LAYOUT_COLUMN_MAJOR
! so that PDEKit reads them in Fortran's order (no transposes in the caller).
!
! usage: pdekit-fortran-example MODEL [--smoke]
module pdekit
  use, intrinsic :: iso_c_binding
  implicit none
  integer(c_int32_t), parameter :: PDEKIT_OK = 0, PDEKIT_ERROR_IO = 4
  integer(c_int32_t), parameter :: PDEKIT_METHOD_CG = 1, PDEKIT_PRECONDITIONER_IC0 = 3
  integer(c_int32_t), parameter :: PDEKIT_LAYOUT_COLUMN_MAJOR = 1

  interface
    function pdekit_version() bind(C, name="pdekit_version") result(text)
      import :: c_ptr
      type(c_ptr) :: text
    end function
    function pdekit_last_error() bind(C, name="pdekit_last_error") result(text)
      import :: c_ptr
      type(c_ptr) :: text
    end function
    function pdekit_operator_load(path, op) bind(C, name="pdekit_operator_load") result(status)
      import :: c_char, c_ptr, c_int32_t
      character(kind=c_char), dimension(*), intent(in) :: path
      type(c_ptr), intent(out) :: op
      integer(c_int32_t) :: status
    end function
    function pdekit_operator_training_grid(op, grid, capacity) bind(C, name="pdekit_operator_training_grid") result(status)
      import :: c_ptr, c_int32_t, c_int64_t
      type(c_ptr), value :: op
      integer(c_int64_t), dimension(*), intent(out) :: grid
      integer(c_int32_t), value :: capacity
      integer(c_int32_t) :: status
    end function
    function pdekit_operator_apply_layout_f64(op, input, input_count, batch, grid, grid_rank, layout, output, &
        output_count) bind(C, name="pdekit_operator_apply_layout_f64") result(status)
      import :: c_ptr, c_double, c_int32_t, c_int64_t
      type(c_ptr), value :: op
      real(c_double), dimension(*), intent(in) :: input
      integer(c_int64_t), value :: input_count, batch
      integer(c_int64_t), dimension(*), intent(in) :: grid
      integer(c_int32_t), value :: grid_rank, layout
      real(c_double), dimension(*), intent(out) :: output
      integer(c_int64_t), value :: output_count
      integer(c_int32_t) :: status
    end function
    subroutine pdekit_operator_free(op) bind(C, name="pdekit_operator_free")
      import :: c_ptr
      type(c_ptr), value :: op
    end subroutine
    function pdekit_matrix_create_csr32(rows, columns, nonzeros, row_offsets, column_indices, values, matrix) &
        bind(C, name="pdekit_matrix_create_csr32") result(status)
      import :: c_ptr, c_double, c_int32_t
      integer(c_int32_t), value :: rows, columns, nonzeros
      integer(c_int32_t), dimension(*), intent(in) :: row_offsets, column_indices
      real(c_double), dimension(*), intent(in) :: values
      type(c_ptr), intent(out) :: matrix
      integer(c_int32_t) :: status
    end function
    subroutine pdekit_matrix_free(matrix) bind(C, name="pdekit_matrix_free")
      import :: c_ptr
      type(c_ptr), value :: matrix
    end subroutine
    function pdekit_solver_create(method, solver) bind(C, name="pdekit_solver_create") result(status)
      import :: c_ptr, c_int32_t
      integer(c_int32_t), value :: method
      type(c_ptr), intent(out) :: solver
      integer(c_int32_t) :: status
    end function
    function pdekit_solver_set_tolerance(solver, relative_tolerance, max_iterations) &
        bind(C, name="pdekit_solver_set_tolerance") result(status)
      import :: c_ptr, c_double, c_int32_t, c_int64_t
      type(c_ptr), value :: solver
      real(c_double), value :: relative_tolerance
      integer(c_int64_t), value :: max_iterations
      integer(c_int32_t) :: status
    end function
    function pdekit_solver_set_preconditioner(solver, preconditioner) &
        bind(C, name="pdekit_solver_set_preconditioner") result(status)
      import :: c_ptr, c_int32_t
      type(c_ptr), value :: solver
      integer(c_int32_t), value :: preconditioner
      integer(c_int32_t) :: status
    end function
    function pdekit_solver_solve(solver, matrix, b, x, count, use_initial_guess) &
        bind(C, name="pdekit_solver_solve") result(status)
      import :: c_ptr, c_double, c_int32_t, c_int64_t
      type(c_ptr), value :: solver, matrix
      real(c_double), dimension(*), intent(in) :: b
      real(c_double), dimension(*), intent(inout) :: x
      integer(c_int64_t), value :: count
      integer(c_int32_t), value :: use_initial_guess
      integer(c_int32_t) :: status
    end function
    function pdekit_solver_report(solver, outcome, iterations, relative_residual, seconds) &
        bind(C, name="pdekit_solver_report") result(status)
      import :: c_ptr, c_double, c_int32_t, c_int64_t
      type(c_ptr), value :: solver
      integer(c_int32_t), intent(out) :: outcome
      integer(c_int64_t), intent(out) :: iterations
      real(c_double), intent(out) :: relative_residual, seconds
      integer(c_int32_t) :: status
    end function
    subroutine pdekit_solver_free(solver) bind(C, name="pdekit_solver_free")
      import :: c_ptr
      type(c_ptr), value :: solver
    end subroutine
    function c_strlen(text) bind(C, name="strlen") result(length)
      import :: c_ptr, c_size_t
      type(c_ptr), value :: text
      integer(c_size_t) :: length
    end function
  end interface

contains

  !> A C string returned by PDEKit as a Fortran string.
  function fortran_string(text) result(string)
    type(c_ptr), intent(in) :: text
    character(len=:), allocatable :: string
    character(kind=c_char), pointer :: characters(:)
    integer :: i, length
    length = int(c_strlen(text))
    call c_f_pointer(text, characters, [length])
    allocate(character(len=length) :: string)
    do i = 1, length
      string(i:i) = characters(i)
    end do
  end function

  !> Stops with PDEKit's message when a call failed.
  subroutine check(status, what)
    integer(c_int32_t), intent(in) :: status
    character(len=*), intent(in) :: what
    if (status /= PDEKIT_OK) then
      write(*, '(a, a, a, i0, a, a)') 'error: ', what, ' failed (status ', status, '): ', fortran_string(pdekit_last_error())
      error stop 1
    end if
  end subroutine
end module pdekit

program pdekit_fortran_example
  use pdekit
  implicit none
  character(len=1024) :: model_path
  type(c_ptr) :: op, missing, matrix, solver
  integer(c_int64_t) :: grid(3), field_grid(2), iterations
  integer(c_int32_t) :: outcome, status, n, nonzeros, row, k, m
  integer :: s, i, j, f, qi, qj
  integer, parameter :: di(4) = [-1, 1, 0, 0], dj(4) = [0, 0, -1, 1]
  real(c_double), allocatable :: a(:, :), u_fno(:, :), u_ref(:, :), values(:), b(:), x(:)
  integer(c_int32_t), allocatable :: row_offsets(:), columns(:)
  real(c_double) :: residual, seconds, h, xc, yc, af, diagonal, difference, norm
  real(c_double), parameter :: pi = 3.141592653589793d0

  if (command_argument_count() < 1) then
    write(*, '(a)') 'usage: pdekit-fortran-example MODEL [--smoke]'
    error stop 2
  end if
  call get_command_argument(1, model_path)
  write(*, '(a, a)') 'PDEKit ', fortran_string(pdekit_version())

  call check(pdekit_operator_load(trim(model_path) // c_null_char, op), 'pdekit_operator_load')
  call check(pdekit_operator_training_grid(op, grid, 3_c_int32_t), 'pdekit_operator_training_grid')
  s = int(grid(1))
  write(*, '(a, i0, a, i0)') 'operator trained on ', s, ' x ', s

  ! 1. a(i0, i1) = 12 where a smooth field is non-negative, else 3 (node (x_i0, y_i1)).
  allocate(a(0:s-1, 0:s-1), u_fno(0:s-1, 0:s-1), u_ref(0:s-1, 0:s-1))
  do i = 0, s - 1
    do j = 0, s - 1
      xc = dble(i) / dble(s - 1)
      yc = dble(j) / dble(s - 1)
      if (cos(2.3d0 * pi * xc + 0.4d0) * cos(1.7d0 * pi * yc - 0.2d0) + 0.3d0 * sin(3.1d0 * pi * xc * yc) >= 0d0) then
        a(i, j) = 12d0
      else
        a(i, j) = 3d0
      end if
    end do
  end do

  ! 2. The FNO's prediction.
  field_grid = [int(s, c_int64_t), int(s, c_int64_t)]
  call check(pdekit_operator_apply_layout_f64(op, a, int(s * s, c_int64_t), 1_c_int64_t, field_grid, 2_c_int32_t, &
                                              PDEKIT_LAYOUT_COLUMN_MAJOR, u_fno, int(s * s, c_int64_t)), &
             'pdekit_operator_apply_layout_f64')

  ! 3. The finite-volume system on the (s-2)^2 interior nodes, 0-based CSR.
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
        af = 2d0 * a(i, j) * a(qi, qj) / (a(i, j) + a(qi, qj))
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
  write(*, '(a, i0, a, i0, a, es9.2)') 'IC(0)-CG: ', n, ' unknowns, ', iterations, ' iterations, relative residual ', residual

  u_ref = 0d0
  do i = 1, m
    do j = 1, m
      u_ref(i, j) = x((i - 1) * m + j)
    end do
  end do
  difference = sqrt(sum((u_fno - u_ref)**2))
  norm = sqrt(sum(u_ref**2))
  write(*, '(a, f8.4)') 'FNO surrogate vs CG solve: relative L2 error ', difference / norm

  ! 4. A missing checkpoint is an error code with a message, not a crash.
  status = pdekit_operator_load('no/such/model.safetensors' // c_null_char, missing)
  if (status /= PDEKIT_ERROR_IO) then
    write(*, '(a, i0)') 'error: loading a missing checkpoint returned status ', status
    error stop 1
  end if
  write(*, '(a, a)') 'missing checkpoint -> ', fortran_string(pdekit_last_error())

  call pdekit_solver_free(solver)
  call pdekit_matrix_free(matrix)
  call pdekit_operator_free(op)
  write(*, '(a)') 'fortran example: ok'
end program
