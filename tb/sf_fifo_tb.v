// Block-level testbench of the FIFO primitive (generator/blocks/fifo), built as sf_fifo_dut:
// replays one operation per cycle and prints the FIFO's outputs in every cycle, so that the test
// (generator/blocks/fifo/fifo.test.ts) can compare them with its model.
//
// +ops=FILE: one cycle per line in hex, {flags[3:0], wdata[63:0]}: flags bit 0 pop_i, bit 1
//   push_i (of wdata, cut to WIDTH), bit 2 clear_i, bit 3 the end.
// Prints "SF_FIFO cycle valid empty full count rdata" for every cycle (the outputs before that
// cycle's clock edge, the inputs applied) and "SF_FIFO_DONE" at the end.
`timescale 1ns / 1ps
module sf_fifo_tb #(
  parameter integer WIDTH = 8,
  parameter integer DEPTH = 4
);
  localparam integer AW = $clog2(DEPTH);
  localparam integer MAX_OPS = 8192;

  reg clk = 1'b0;
  reg rst_n = 1'b0;
  always #5 clk = ~clk;

  reg              clear = 1'b0, push = 1'b0, pop = 1'b0;
  reg  [63:0]      wdata = '0;
  wire [WIDTH-1:0] rdata;
  wire             valid, empty, full;
  wire [AW:0]      count;

  sf_fifo_dut u_dut (
    .clk_i  (clk),
    .rst_ni (rst_n),
    .clear_i(clear),
    .push_i (push),
    .wdata_i(wdata[WIDTH-1:0]),
    .pop_i  (pop),
    .rdata_o(rdata),
    .valid_o(valid),
    .empty_o(empty),
    .full_o (full),
    .count_o(count)
  );

  reg [67:0] ops [0:MAX_OPS-1];
  reg [1023:0] ops_file;
  integer i;

  initial begin
    if (!$value$plusargs("ops=%s", ops_file)) begin
      $display("SF_FATAL no +ops=FILE");
      $finish;
    end
    for (i = 0; i < MAX_OPS; i = i + 1) ops[i] = 68'h8_0000_0000_0000_0000;
    $readmemh(ops_file, ops);
    repeat (3) @(posedge clk);
    @(negedge clk) rst_n = 1'b1;
    for (i = 0; i < MAX_OPS && !ops[i][67]; i = i + 1) begin
      @(negedge clk);
      pop   = ops[i][64];
      push  = ops[i][65];
      clear = ops[i][66];
      wdata = ops[i][63:0];
      $display("SF_FIFO %0d %0d %0d %0d %0d %h", i, valid, empty, full, count, rdata);
    end
    @(negedge clk);
    $display("SF_FIFO_DONE");
    $finish;
  end
endmodule
