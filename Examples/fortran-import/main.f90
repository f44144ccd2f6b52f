! Running a PyTorch-trained neuraloperator FNO from Fortran through PDEKit's C API (see pdekit.h).
!
! The model is a neuraloperator checkpoint made into a run directory by
!   pdekit import neuraloperator Tests/Fixtures/neuraloperator/fno2d_padded.pt --output RUN
! (a 2-D FNO with symmetric domain padding 0.25, trained and saved by PyTorch, read without Python). This
! program loads RUN with pdekit_operator_load, applies it to the inputs PyTorch was given and compares
! with the outputs PyTorch computed (relative L2 difference, at most 1e-5 in float32 terms).
!
! EXPECTED is the raw little-endian stream written by `bench/peers/neuralop_fixtures.py fortran-fixture`:
!   int64 batch, in_channels, out_channels, n0, n1
!   float64 input(n0, n1, in_channels, batch)      column-major: the first grid axis fastest
!   float64 output(n0, n1, out_channels, batch)    PyTorch's outputs, same layout
! so the arrays are read as Fortran stores them and passed with PDEKIT_LAYOUT_COLUMN_MAJOR, no transposes.
!
! usage: pdekit-fortran-import RUN EXPECTED
program pdekit_fortran_import
  use pdekit
  implicit none
  character(len=1024) :: run_path, expected_path
  type(c_ptr) :: op
  integer(c_int64_t) :: header(5), grid(2)
  integer :: unit, ios, batch, in_channels, out_channels, n0, n1
  real(c_double), allocatable :: input(:, :, :, :), expected(:, :, :, :), output(:, :, :, :)
  real(c_double) :: relative

  if (command_argument_count() /= 2) then
    write(*, '(a)') 'usage: pdekit-fortran-import RUN EXPECTED'
    error stop 2
  end if
  call get_command_argument(1, run_path)
  call get_command_argument(2, expected_path)

  open(newunit=unit, file=trim(expected_path), access='stream', form='unformatted', status='old', action='read', &
       iostat=ios)
  if (ios /= 0) then
    write(*, '(a, a)') 'error: cannot open ', trim(expected_path)
    error stop 1
  end if
  read(unit, iostat=ios) header
  if (ios /= 0 .or. any(header < 1) .or. any(header > 4096)) then
    write(*, '(a, a)') 'error: not an expected-output stream: ', trim(expected_path)
    error stop 1
  end if
  batch = int(header(1)); in_channels = int(header(2)); out_channels = int(header(3))
  n0 = int(header(4)); n1 = int(header(5))
  allocate(input(n0, n1, in_channels, batch), expected(n0, n1, out_channels, batch), output(n0, n1, out_channels, batch))
  read(unit, iostat=ios) input, expected
  if (ios /= 0) then
    write(*, '(a, a)') 'error: truncated expected-output stream: ', trim(expected_path)
    error stop 1
  end if
  close(unit)

  call check(pdekit_operator_load(trim(run_path) // c_null_char, op), 'pdekit_operator_load')
  grid = [int(n0, c_int64_t), int(n1, c_int64_t)]
  call check(pdekit_operator_apply_layout_f64(op, input, size(input, kind=c_int64_t), int(batch, c_int64_t), grid, &
                                              2_c_int32_t, PDEKIT_LAYOUT_COLUMN_MAJOR, output, &
                                              size(output, kind=c_int64_t)), 'pdekit_operator_apply_layout_f64')
  call pdekit_operator_free(op)

  relative = norm2(output - expected) / norm2(expected)
  write(*, '(a, i0, a, i0, a, i0, a, es9.2)') 'imported FNO, batch ', batch, ' on ', n0, ' x ', n1, &
      ': relative L2 difference to PyTorch ', relative
  ! Written so that NaN fails too.
  if (.not. (relative <= 1d-5)) then
    write(*, '(a)') 'error: PDEKit and PyTorch differ by more than 1e-5'
    error stop 1
  end if
end program
