# ctest bench_smoke: run vmsim_bench on tiny loops and check that it exits 0
# and prints one JSON object with the three loops and both MIPS figures.
# Timing is never asserted. Usage: cmake -DBENCH=path/to/vmsim_bench -P bench_smoke.cmake
execute_process(COMMAND "${BENCH}" --json --scale 0.0005 --repeat 1
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "vmsim_bench exited with ${rc}: ${err}")
endif()
string(JSON type ERROR_VARIABLE jerr TYPE "${out}")
if(jerr OR NOT type STREQUAL "OBJECT")
  message(FATAL_ERROR "vmsim_bench --json did not print a JSON object (${jerr}):\n${out}")
endif()
foreach(loop alu lcg loadstore)
  foreach(key vmsim_mips unicorn_mips instructions)
    string(JSON t ERROR_VARIABLE jerr TYPE "${out}" ${loop} ${key})
    if(jerr OR NOT t STREQUAL "NUMBER")
      message(FATAL_ERROR "missing or non-numeric ${loop}.${key} in:\n${out}")
    endif()
  endforeach()
endforeach()
message(STATUS "vmsim_bench JSON: ${out}")
