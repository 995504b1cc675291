// Block-level testbench of the CSR block (sf_csr) alone: replays a list of AXI4-Lite writes and
// reads and of changes to the hardware's status inputs, and prints every read, so that the test
// (generator/arch/csr.test.ts) can compare them with what the register map table says.
//
// +ops=FILE: one operation per line in hex, {op[3:0], addr[11:0], data[31:0]}:
//   1 write data to addr; 2 read addr (prints "SF_READ addr data irq"); 3 set busy_i to data[0]
//   and error_code_i to data[15:8], then wait two cycles; 0 end.
// Prints "SF_START" on every start pulse and "SF_CSR_DONE" at the end.
`timescale 1ns / 1ps
module sf_csr_tb #(
  parameter integer ENGINES = 2,
  parameter integer CHANNELS = 1,
  parameter integer AW = 32,
  parameter integer POLICY_BITS = 2
);
  localparam integer MAX_OPS = 4096;

  reg clk = 1'b0;
  reg rst_n = 1'b0;
  always #5 clk = ~clk;

  reg  [11:0] awaddr = '0, araddr = '0;
  reg         awvalid = 1'b0, wvalid = 1'b0, arvalid = 1'b0;
  reg  [31:0] wdata = '0;
  wire        awready, wready, bvalid, arready, rvalid;
  wire [1:0]  bresp, rresp;
  wire [31:0] rdata;
  reg         busy = 1'b0;
  reg  [7:0]  error_code = 8'd0;
  wire        start, irq;
  wire [POLICY_BITS-1:0] policy;
  wire [2:0]  static_log;
  wire [AW-1:0] task_base, trace_base;
  wire [31:0] cycle;

  sf_csr u_csr (
    .clk_i         (clk),
    .rst_ni        (rst_n),
    .s_awaddr_i    (awaddr),
    .s_awvalid_i   (awvalid),
    .s_awready_o   (awready),
    .s_wdata_i     (wdata),
    .s_wstrb_i     (4'hf),
    .s_wvalid_i    (wvalid),
    .s_wready_o    (wready),
    .s_bresp_o     (bresp),
    .s_bvalid_o    (bvalid),
    .s_bready_i    (1'b1),
    .s_araddr_i    (araddr),
    .s_arvalid_i   (arvalid),
    .s_arready_o   (arready),
    .s_rdata_o     (rdata),
    .s_rresp_o     (rresp),
    .s_rvalid_o    (rvalid),
    .s_rready_i    (1'b1),
    .busy_i        (busy),
    .error_code_i  (error_code),
    .tasks_done_i  (32'h1234_5678),
    .ch_rd_beat_i  ({CHANNELS{1'b0}}),
    .ch_wr_beat_i  ({CHANNELS{1'b0}}),
    .eng_busy_i    ({ENGINES{1'b0}}),
    .eng_compute_i ({ENGINES{1'b0}}),
    .start_o       (start),
    .policy_o      (policy),
    .static_log_o  (static_log),
    .task_base_o   (task_base),
    .trace_base_o  (trace_base),
    .cycle_o       (cycle),
    .irq_o         (irq)
  );

  always @(posedge clk) if (start) $display("SF_START");

  reg [47:0] ops [0:MAX_OPS-1];
  reg [1023:0] ops_file;
  integer i;
  reg [3:0] op;

  task automatic write_reg(input [11:0] addr, input [31:0] data);
    begin
      @(negedge clk);
      awaddr = addr; wdata = data; awvalid = 1'b1; wvalid = 1'b1;
      @(posedge clk);
      while (!(awready && wready)) @(posedge clk);
      @(negedge clk);
      awvalid = 1'b0; wvalid = 1'b0;
      @(posedge clk);
      while (!bvalid) @(posedge clk);
    end
  endtask

  task automatic read_reg(input [11:0] addr);
    begin
      @(negedge clk);
      araddr = addr; arvalid = 1'b1;
      @(posedge clk);
      while (!arready) @(posedge clk);
      @(negedge clk);
      arvalid = 1'b0;
      @(posedge clk);
      while (!rvalid) @(posedge clk);
      $display("SF_READ %0d %0d %0d", addr, rdata, irq);
    end
  endtask

  initial begin
    if (!$value$plusargs("ops=%s", ops_file)) begin
      $display("SF_FATAL no +ops=FILE");
      $finish;
    end
    for (i = 0; i < MAX_OPS; i = i + 1) ops[i] = '0;
    $readmemh(ops_file, ops);
    repeat (3) @(posedge clk);
    @(negedge clk) rst_n = 1'b1;
    for (i = 0; i < MAX_OPS; i = i + 1) begin
      op = ops[i][47:44];
      if (op == 4'd0) i = MAX_OPS;
      else if (op == 4'd1) write_reg(ops[i][43:32], ops[i][31:0]);
      else if (op == 4'd2) read_reg(ops[i][43:32]);
      else begin
        @(negedge clk);
        busy = ops[i][0];
        error_code = ops[i][15:8];
        repeat (2) @(posedge clk);
      end
    end
    $display("SF_CSR_DONE");
    $finish;
  end
endmodule
