! Embedding PDEKit in a Fortran code through iso_c_binding (see pdekit.h).
!
! With a trained 2-D Darcy FNO (from `pdekit train fno` or Examples/train-fno) this program
!   1. builds a permeability a = 12 / 3 on the model's training grid,
!   2. predicts the pressure with the FNO (pdekit_operator_apply_layout_f64: the arrays are passed
!      column-major, as Fortran stores them, with no transposes),
!   3. assembles -div(a grad u) = 1, u = 0 on the boundary, in CSR form (vertex-centred finite volumes
!      with harmonic face averages, as PDEKit discretizes it), solves it with IC(0)-preconditioned CG
!      through PDEKit, and prints the surrogate's relative L2 error,
!   4. checks that a missing checkpoint comes back as an error code with a message.
!
! Layout: fields are f(i0, i1) (node (x_i0, y_i1)), passed with PDEKIT_LAYOUT_COLUMN_MAJOR. The reference
! problem (darcy_reference.f90) is symmetric in the two axes, so its solution for a(i0, i1) is u(i0, i1)
! whichever axis order it assumes.
!
! usage: pdekit-fortran-example MODEL [--smoke]
program pdekit_fortran_example
  use pdekit
  use darcy_reference
  implicit none
  character(len=1024) :: model_path
  type(c_ptr) :: op, missing
  integer(c_int64_t) :: grid(3), field_grid(2), iterations
  integer(c_int32_t) :: status
  integer :: s, i, j
  real(c_double), allocatable :: a(:, :), u_fno(:, :), u_ref(:, :)
  real(c_double) :: residual, xc, yc, difference, norm
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

  ! 3. The finite-volume system, solved with IC(0)-CG through PDEKit (darcy_reference.f90).
  call solve_darcy(a, s, u_ref, iterations, residual)
  write(*, '(a, i0, a, i0, a, es9.2)') 'IC(0)-CG: ', (s - 2) * (s - 2), ' unknowns, ', iterations, &
    ' iterations, relative residual ', residual

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

  call pdekit_operator_free(op)
  write(*, '(a)') 'fortran example: ok'
end program
