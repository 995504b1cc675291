// Block-level testbench of the PE array (sf_pe_array): applies one stimulus vector a cycle
// (input vector, weight block, accumulators, start-from-zero) from a $readmemh file and prints
// the accumulators the array writes back, before each clock edge. The test compares them with
// its model: outputs of cycle i come from the products of cycle i - 2 (S1 multiplies, S2
// reduces) and the accumulators of cycle i (S3).
`timescale 1ns / 1ps
module sf_pe_array_tb #(
  parameter integer TM = 4,
  parameter integer TN = 4,
  parameter integer DB = 8,
  parameter integer N  = 16
);
  localparam integer W = TN * DB + TM * TN * DB + TM * 32 + 1;

  reg              clk = 1'b0;
  reg  [W-1:0]     stim [0:N-1];
  reg  [W-1:0]     v;
  wire [TM*32-1:0] acc_out;
  reg  [1023:0]    path;
  integer          i;

  sf_pe_array u_dut (
    .clk_i     (clk),
    .x_i       (v[W-1 -: TN*DB]),
    .w_i       (v[TM*32+1 +: TM*TN*DB]),
    .acc_zero_i(v[0]),
    .acc_i     (v[1 +: TM*32]),
    .acc_o     (acc_out)
  );

  initial begin
    if (!$value$plusargs("stim=%s", path)) begin
      $display("SF_PE give +stim=<file>");
      $finish;
    end
    $readmemh(path, stim);
    for (i = 0; i < N; i = i + 1) begin
      v = stim[i];
      #1;
      $display("SF_PE %0d %h", i, acc_out);
      clk = 1'b1;
      #1;
      clk = 1'b0;
    end
    $finish;
  end
endmodule
