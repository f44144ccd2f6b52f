! PDEKit's C API (pdekit.h) as a Fortran module through iso_c_binding, shared by the Fortran examples.
!
! Layout: PDEKit fields are row-major [batch][channel][i0][i1]; a Fortran array f(i1, i0) (first index
! fastest) has exactly that memory layout (pdekit_operator_apply_f64). pdekit_operator_apply_layout_f64
! with PDEKIT_LAYOUT_COLUMN_MAJOR takes f(i0, i1) as it is.
module pdekit
  use, intrinsic :: iso_c_binding
  implicit none
  integer(c_int32_t), parameter :: PDEKIT_OK = 0, PDEKIT_ERROR_IO = 4
  integer(c_int32_t), parameter :: PDEKIT_METHOD_CG = 1, PDEKIT_PRECONDITIONER_IC0 = 3
  integer(c_int32_t), parameter :: PDEKIT_LAYOUT_ROW_MAJOR = 0, PDEKIT_LAYOUT_COLUMN_MAJOR = 1

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
    function pdekit_operator_apply_f64(op, input, input_count, batch, grid, grid_rank, output, output_count) &
        bind(C, name="pdekit_operator_apply_f64") result(status)
      import :: c_ptr, c_double, c_int32_t, c_int64_t
      type(c_ptr), value :: op
      real(c_double), dimension(*), intent(in) :: input
      integer(c_int64_t), value :: input_count, batch
      integer(c_int64_t), dimension(*), intent(in) :: grid
      integer(c_int32_t), value :: grid_rank
      real(c_double), dimension(*), intent(out) :: output
      integer(c_int64_t), value :: output_count
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
