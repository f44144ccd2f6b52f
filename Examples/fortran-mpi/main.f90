! PDEKit in a Fortran MPI code: every rank applies a trained operator to its own batch, rank 0 gathers
! the errors (see pdekit.h, "Processes and MPI").
!
! Each rank
!   1. loads its own operator handle (handles are per process; PDEKit keeps no state between processes
!      and never calls MPI: this program initializes and finalizes MPI itself),
!   2. builds its batch of 12 / 3 permeabilities, samples rank*per_rank + 1 ... (rank+1)*per_rank of one
!      global sequence (so the samples do not depend on the number of ranks),
!   3. predicts the pressures with one pdekit_operator_apply_f64 call on the whole batch,
!   4. solves each sample's finite-volume system with IC(0)-CG through PDEKit (darcy_reference.f90) and
!      computes the relative L2 error of the prediction;
! rank 0 gathers every sample's error with MPI_Gather and prints them and their mean.
!
! usage: mpirun -np R pdekit-fortran-mpi-example MODEL [PER_RANK]
program pdekit_fortran_mpi_example
  use mpi
  use pdekit
  use darcy_reference
  implicit none
  character(len=1024) :: model_path, argument
  type(c_ptr) :: op
  integer(c_int64_t) :: grid(3), field_grid(2), iterations
  integer :: rank, ranks, ierror, per_rank, s, i, j, sample, global
  real(c_double), allocatable :: a(:, :, :), u_fno(:, :, :), u_ref(:, :), errors(:), all_errors(:)
  real(c_double) :: residual, xc, yc, phase
  real(c_double), parameter :: pi = 3.141592653589793d0

  call MPI_Init(ierror)
  call MPI_Comm_rank(MPI_COMM_WORLD, rank, ierror)
  call MPI_Comm_size(MPI_COMM_WORLD, ranks, ierror)
  if (command_argument_count() < 1) then
    if (rank == 0) write(*, '(a)') 'usage: mpirun -np R pdekit-fortran-mpi-example MODEL [PER_RANK]'
    call MPI_Abort(MPI_COMM_WORLD, 2, ierror)
  end if
  call get_command_argument(1, model_path)
  per_rank = 2
  if (command_argument_count() >= 2) then
    call get_command_argument(2, argument)
    read(argument, *) per_rank
  end if

  ! 1. This rank's handle (a failure ends every rank: check() stops this one, MPI ends the others).
  call check(pdekit_operator_load(trim(model_path) // c_null_char, op), 'pdekit_operator_load')
  call check(pdekit_operator_training_grid(op, grid, 3_c_int32_t), 'pdekit_operator_training_grid')
  s = int(grid(1))

  ! 2. The batch: a(i1, i0, sample), a smooth field's sign shifted by the global sample number.
  allocate(a(0:s-1, 0:s-1, per_rank), u_fno(0:s-1, 0:s-1, per_rank), u_ref(0:s-1, 0:s-1), errors(per_rank))
  do sample = 1, per_rank
    global = rank * per_rank + sample
    phase = 0.37d0 * dble(global)
    do i = 0, s - 1
      do j = 0, s - 1
        xc = dble(i) / dble(s - 1)
        yc = dble(j) / dble(s - 1)
        if (cos(2.3d0 * pi * xc + phase) * cos(1.7d0 * pi * yc - 0.5d0 * phase) + 0.3d0 * sin(3.1d0 * pi * xc * yc) >= 0d0) then
          a(j, i, sample) = 12d0
        else
          a(j, i, sample) = 3d0
        end if
      end do
    end do
  end do

  ! 3. One call for the batch: [batch][i0][i1] row-major is a(i1, i0, sample) in Fortran.
  field_grid = [int(s, c_int64_t), int(s, c_int64_t)]
  call check(pdekit_operator_apply_f64(op, a, int(s, c_int64_t) * s * per_rank, int(per_rank, c_int64_t), field_grid, 2_c_int32_t, &
                                       u_fno, int(s, c_int64_t) * s * per_rank), 'pdekit_operator_apply_f64')

  ! 4. Each prediction against its CG solve.
  do sample = 1, per_rank
    call solve_darcy(a(:, :, sample), s, u_ref, iterations, residual)
    errors(sample) = sqrt(sum((u_fno(:, :, sample) - u_ref)**2)) / sqrt(sum(u_ref**2))
  end do
  call pdekit_operator_free(op)

  ! Rank 0 gathers the errors in rank order, i.e. in global sample order.
  allocate(all_errors(per_rank * ranks))
  call MPI_Gather(errors, per_rank, MPI_DOUBLE_PRECISION, all_errors, per_rank, MPI_DOUBLE_PRECISION, 0, MPI_COMM_WORLD, ierror)
  if (rank == 0) then
    do global = 1, per_rank * ranks
      write(*, '(a, i0, a, es23.16)') 'sample ', global, ' relative L2 error ', all_errors(global)
    end do
    write(*, '(a, i0, a, i0, a, f8.4)') 'ranks ', ranks, ', samples ', per_rank * ranks, ', mean relative L2 error ', &
      sum(all_errors) / dble(per_rank * ranks)
    write(*, '(a)') 'fortran mpi example: ok'
  end if
  call MPI_Finalize(ierror)
end program
