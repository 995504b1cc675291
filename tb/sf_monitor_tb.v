// Self-test of the protocol monitors (sf_axi_monitor.v): drives one AXI4 interface and one
// AXI4-Lite interface with legal traffic, or with one chosen violation (+case=N), and prints
// the monitors' verdict (SF_PROTOCOL lines, then SF_MONITOR_DONE with the violation flags).
//
// Cases: 0 legal traffic; 1 AR VALID dropped before READY; 2 AR address changed while waiting;
// 3 INCR burst across 4 KiB; 4 WLAST early; 5 WLAST missing; 6 R data without a read;
// 7 RLAST early; 8 B without a write; 9 AW VALID during reset; 10 W before AW; 11 AXI4-Lite B
// without a write; 12 AXI4-Lite R without a read; 13 AXI4-Lite W data changed while waiting;
// 14 R VALID dropped before READY; 15 reserved burst type.

`default_nettype none
`timescale 1ns / 1ps

module sf_monitor_tb;
  reg clk = 1'b0;
  reg rst_n = 1'b0;
  always #5 clk = ~clk;

  reg [31:0] araddr = 32'd0, awaddr = 32'd0;
  reg [7:0]  arlen = 8'd0, awlen = 8'd0;
  reg [2:0]  arsize = 3'd2, awsize = 3'd2;
  reg [1:0]  arburst = 2'b01, awburst = 2'b01;
  reg        arid = 1'b0, awid = 1'b0, rid = 1'b0, bid = 1'b0;
  reg        arvalid = 1'b0, arready = 1'b0, rvalid = 1'b0, rready = 1'b1, rlast = 1'b0;
  reg        awvalid = 1'b0, awready = 1'b0, wvalid = 1'b0, wready = 1'b1, wlast = 1'b0;
  reg        bvalid = 1'b0, bready = 1'b1;
  reg [31:0] rdata = 32'd0, wdata = 32'd0;
  reg [1:0]  rresp = 2'b00, bresp = 2'b00;

  reg [11:0] l_awaddr = 12'd0, l_araddr = 12'd0;
  reg        l_awvalid = 1'b0, l_awready = 1'b0, l_wvalid = 1'b0, l_wready = 1'b0;
  reg        l_bvalid = 1'b0, l_bready = 1'b1, l_arvalid = 1'b0, l_arready = 1'b0;
  reg        l_rvalid = 1'b0, l_rready = 1'b1;
  reg [31:0] l_wdata = 32'd0, l_rdata = 32'd0;

  wire axi_violation, axil_violation;

  sf_axi_monitor #(.ADDR_BITS(32), .DATA_BITS(32), .ID_BITS(1), .NAME("test axi")) u_axi (
    .clk_i(clk), .rst_ni(rst_n),
    .araddr_i(araddr), .arlen_i(arlen), .arsize_i(arsize), .arburst_i(arburst), .arid_i(arid),
    .arvalid_i(arvalid), .arready_i(arready),
    .rdata_i(rdata), .rresp_i(rresp), .rlast_i(rlast), .rid_i(rid), .rvalid_i(rvalid), .rready_i(rready),
    .awaddr_i(awaddr), .awlen_i(awlen), .awsize_i(awsize), .awburst_i(awburst), .awid_i(awid),
    .awvalid_i(awvalid), .awready_i(awready),
    .wdata_i(wdata), .wstrb_i(4'hf), .wlast_i(wlast), .wvalid_i(wvalid), .wready_i(wready),
    .bresp_i(bresp), .bid_i(bid), .bvalid_i(bvalid), .bready_i(bready),
    .violation_o(axi_violation));

  sf_axil_monitor #(.ADDR_BITS(12), .NAME("test axi-lite")) u_axil (
    .clk_i(clk), .rst_ni(rst_n),
    .awaddr_i(l_awaddr), .awvalid_i(l_awvalid), .awready_i(l_awready),
    .wdata_i(l_wdata), .wstrb_i(4'hf), .wvalid_i(l_wvalid), .wready_i(l_wready),
    .bresp_i(2'b00), .bvalid_i(l_bvalid), .bready_i(l_bready),
    .araddr_i(l_araddr), .arvalid_i(l_arvalid), .arready_i(l_arready),
    .rdata_i(l_rdata), .rresp_i(2'b00), .rvalid_i(l_rvalid), .rready_i(l_rready),
    .violation_o(axil_violation));

  task automatic tick;
    begin
      @(posedge clk);
      @(negedge clk);
    end
  endtask

  // A read of `len + 1` beats at `addr`: the address waits one cycle for READY; with
  // early_last, RLAST comes a beat early.
  task automatic read_burst(input [31:0] addr, input [7:0] len, input early_last);
    integer b;
    begin
      araddr = addr; arlen = len; arvalid = 1'b1; arready = 1'b0;
      tick;
      arready = 1'b1;
      tick;
      arvalid = 1'b0; arready = 1'b0;
      tick;
      for (b = 0; b <= len; b = b + 1) begin
        rvalid = 1'b1; rdata = 32'(b); rlast = early_last ? (b == len - 1) : (b == len);
        tick;
      end
      rvalid = 1'b0; rlast = 1'b0;
    end
  endtask

  // A write of `len + 1` beats; last_at is the beat that carries WLAST.
  task automatic write_burst(input [31:0] addr, input [7:0] len, input [7:0] last_at);
    integer b;
    begin
      awaddr = addr; awlen = len; awvalid = 1'b1; awready = 1'b1;
      tick;
      awvalid = 1'b0; awready = 1'b0;
      for (b = 0; b <= len; b = b + 1) begin
        wvalid = 1'b1; wdata = 32'(b); wlast = (b == last_at);
        tick;
      end
      wvalid = 1'b0; wlast = 1'b0;
      tick;
      bvalid = 1'b1;
      tick;
      bvalid = 1'b0;
    end
  endtask

  task automatic lite_write(input [11:0] addr, input [31:0] data);
    begin
      l_awaddr = addr; l_awvalid = 1'b1; l_wdata = data; l_wvalid = 1'b1;
      tick;
      l_awready = 1'b1; l_wready = 1'b1;
      tick;
      l_awvalid = 1'b0; l_wvalid = 1'b0; l_awready = 1'b0; l_wready = 1'b0;
      l_bvalid = 1'b1;
      tick;
      l_bvalid = 1'b0;
    end
  endtask

  task automatic lite_read(input [11:0] addr);
    begin
      l_araddr = addr; l_arvalid = 1'b1; l_arready = 1'b1;
      tick;
      l_arvalid = 1'b0; l_arready = 1'b0;
      l_rvalid = 1'b1; l_rdata = 32'h1234;
      tick;
      l_rvalid = 1'b0;
    end
  endtask

  integer test_case = 0;
  initial begin
    if (!$value$plusargs("case=%d", test_case)) test_case = 0;
    if (test_case == 9) awvalid = 1'b1;
    repeat (3) @(posedge clk);
    @(negedge clk);
    awvalid = 1'b0;
    rst_n = 1'b1;
    tick;
    case (test_case)
      1: begin
        araddr = 32'h100; arvalid = 1'b1;
        tick;
        arvalid = 1'b0;
        tick;
      end
      2: begin
        araddr = 32'h100; arvalid = 1'b1;
        tick;
        araddr = 32'h200;
        tick;
        arready = 1'b1;
        tick;
        arvalid = 1'b0; arready = 1'b0;
      end
      3: begin
        araddr = 32'hff8; arlen = 8'd3; arvalid = 1'b1; arready = 1'b1;
        tick;
        arvalid = 1'b0; arready = 1'b0;
      end
      4: write_burst(32'h0, 8'd3, 8'd2);
      5: write_burst(32'h0, 8'd3, 8'd9);
      6: begin
        rvalid = 1'b1; rlast = 1'b1;
        tick;
        rvalid = 1'b0;
      end
      7: read_burst(32'h40, 8'd3, 1'b1);
      8: begin
        bvalid = 1'b1;
        tick;
        bvalid = 1'b0;
      end
      10: begin
        wvalid = 1'b1; wlast = 1'b1;
        tick;
        wvalid = 1'b0;
      end
      11: begin
        l_bvalid = 1'b1;
        tick;
        l_bvalid = 1'b0;
      end
      12: begin
        l_rvalid = 1'b1;
        tick;
        l_rvalid = 1'b0;
      end
      13: begin
        l_wdata = 32'h1; l_wvalid = 1'b1;
        tick;
        l_wdata = 32'h2;
        tick;
        l_wvalid = 1'b0;
      end
      14: begin
        araddr = 32'h80; arvalid = 1'b1; arready = 1'b1;
        tick;
        arvalid = 1'b0; arready = 1'b0;
        rvalid = 1'b1; rready = 1'b0;
        tick;
        rvalid = 1'b0; rready = 1'b1;
        tick;
      end
      15: begin
        araddr = 32'h0; arburst = 2'b11; arvalid = 1'b1; arready = 1'b1;
        tick;
        arvalid = 1'b0; arready = 1'b0; arburst = 2'b01;
      end
      default: begin
        // Legal traffic: bursts up to a 4 KiB boundary, a write, AXI4-Lite accesses.
        read_burst(32'hff0, 8'd3, 1'b0);
        write_burst(32'h40, 8'd7, 8'd7);
        read_burst(32'h0, 8'd0, 1'b0);
        lite_write(12'h004, 32'h2);
        lite_read(12'h100);
      end
    endcase
    repeat (3) tick;
    $display("SF_MONITOR_DONE axi=%0d axil=%0d", axi_violation, axil_violation);
    $finish;
  end
endmodule

`default_nettype wire
