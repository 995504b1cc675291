// Block-level testbench of the dependency counters (sf_dep_counters, with its sf_sdp_ram_dep):
// replays one request per cycle and prints the results in every cycle, so that the test
// (generator/arch/dep-counters.test.ts) can compare them with its model.
//
// +ops=FILE: one cycle per line in hex, {flags[7:0], inc_counter[15:0], lookup_counter[15:0],
//   lookup_slot[7:0]}: flags bit 0 inc_i, bit 1 lookup_i, bit 2 clear_i, bit 3 run_i, bit 7 the
//   end. Counters and slots are cut to CNT_W and WIN_W bits.
// Prints "SF_DEP cycle written counter value found slot value" for every cycle (the outputs
// before that cycle's clock edge, the inputs applied) and "SF_DEP_DONE" at the end.
`timescale 1ns / 1ps
module sf_dep_counters_tb #(
  parameter integer CNT_W = 6,
  parameter integer WIN_W = 2
);
  localparam integer MAX_OPS = 8192;

  reg clk = 1'b0;
  reg rst_n = 1'b0;
  always #5 clk = ~clk;

  reg              clear = 1'b0, run = 1'b0, inc = 1'b0, lookup = 1'b0;
  reg  [15:0]      inc_counter = '0, lookup_counter = '0;
  reg  [7:0]       lookup_slot = '0;
  wire             written, found;
  wire [CNT_W-1:0] written_counter;
  wire [WIN_W-1:0] found_slot;
  wire [15:0]      written_value, found_value;

  sf_dep_counters u_dut (
    .clk_i           (clk),
    .rst_ni          (rst_n),
    .clear_i         (clear),
    .run_i           (run),
    .inc_i           (inc),
    .inc_counter_i   (inc_counter[CNT_W-1:0]),
    .lookup_i        (lookup),
    .lookup_counter_i(lookup_counter[CNT_W-1:0]),
    .lookup_slot_i   (lookup_slot[WIN_W-1:0]),
    .written_o       (written),
    .written_counter_o(written_counter),
    .written_value_o (written_value),
    .found_o         (found),
    .found_slot_o    (found_slot),
    .found_value_o   (found_value)
  );

  reg [47:0] ops [0:MAX_OPS-1];
  reg [1023:0] ops_file;
  integer i;

  initial begin
    if (!$value$plusargs("ops=%s", ops_file)) begin
      $display("SF_FATAL no +ops=FILE");
      $finish;
    end
    for (i = 0; i < MAX_OPS; i = i + 1) ops[i] = 48'h80_0000_0000_00;
    $readmemh(ops_file, ops);
    repeat (3) @(posedge clk);
    @(negedge clk) rst_n = 1'b1;
    for (i = 0; i < MAX_OPS && !ops[i][47]; i = i + 1) begin
      @(negedge clk);
      inc            = ops[i][40];
      lookup         = ops[i][41];
      clear          = ops[i][42];
      run            = ops[i][43];
      inc_counter    = ops[i][39:24];
      lookup_counter = ops[i][23:8];
      lookup_slot    = ops[i][7:0];
      $display("SF_DEP %0d %0d %0d %0d %0d %0d %0d", i, written, written_counter, written_value,
               found, found_slot, found_value);
    end
    @(negedge clk);
    $display("SF_DEP_DONE");
    $finish;
  end
endmodule
