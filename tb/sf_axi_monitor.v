// Protocol monitors for the SynergyFlow testbench: plain `always` checkers (no concurrent
// assertions), so that Verilator and Icarus both run them. Each violation prints a line
//   SF_PROTOCOL <interface> <channel>: <what> at cycle <n>
// (n counts clock edges from the start of simulation; at most MAX_REPORTS a monitor) and sets
// violation_o, which ends the simulation.

`default_nettype none

// One valid/ready channel: no VALID during reset, and once VALID is high without READY, VALID
// stays high and the payload stays the same until READY (AXI4 and AXI4-Lite, A3.2.1). It
// reports its first violation only.
module sf_handshake_monitor #(
  parameter integer WIDTH = 1,
  parameter NAME = "channel"
) (
  input  wire             clk_i,
  input  wire             rst_ni,
  input  wire             valid_i,
  input  wire             ready_i,
  input  wire [WIDTH-1:0] payload_i,
  output reg              violation_o
);
  reg             waiting_q = 1'b0;   // VALID was high without READY in the last cycle
  reg [WIDTH-1:0] payload_q;
  reg [63:0]      cycle_q = 64'd0;
  initial violation_o = 1'b0;
  always @(posedge clk_i) cycle_q <= cycle_q + 64'd1;

  always @(posedge clk_i) begin
    if (!rst_ni) begin
      waiting_q <= 1'b0;
      if (valid_i === 1'b1) begin
        if (!violation_o) $display("SF_PROTOCOL %0s: VALID high during reset at cycle %0d", NAME, cycle_q);
        violation_o <= 1'b1;
      end
    end else begin
      if (waiting_q && valid_i !== 1'b1) begin
        if (!violation_o) $display("SF_PROTOCOL %0s: VALID dropped before READY at cycle %0d", NAME, cycle_q);
        violation_o <= 1'b1;
      end else if (waiting_q && payload_i !== payload_q) begin
        if (!violation_o) $display("SF_PROTOCOL %0s: payload changed while VALID waited for READY (%h -> %h) at cycle %0d", NAME, payload_q, payload_i, cycle_q);
        violation_o <= 1'b1;
      end
      waiting_q <= valid_i === 1'b1 && ready_i !== 1'b1;
      payload_q <= payload_i;
    end
  end
endmodule

// One AXI4 interface (master and slave side): the five handshakes, plus
// - AR/AW: a legal burst type and size, bursts within a 4 KiB page, WRAP lengths 2, 4, 8, 16;
// - W: WLAST on exactly the last beat of the burst its address announced, and no data without
//   an address (this design issues AW before W; W first is legal AXI4 but flagged here);
// - R: no data for an ID without a read in flight, RLAST on exactly the burst's last beat
//   (bursts of one ID in order, of different IDs in any order);
// - B: no response for an ID whose write (address and last data beat) has not completed.
module sf_axi_monitor #(
  parameter integer ADDR_BITS = 32,
  parameter integer DATA_BITS = 32,
  parameter integer ID_BITS = 1,
  parameter NAME = "axi",
  parameter integer MAX_REPORTS = 8,
  // Reads in flight per ID, and writes whose data or response is pending, that it can follow.
  parameter integer DEPTH = 64
) (
  input  wire                   clk_i,
  input  wire                   rst_ni,
  input  wire [ADDR_BITS-1:0]   araddr_i,
  input  wire [7:0]             arlen_i,
  input  wire [2:0]             arsize_i,
  input  wire [1:0]             arburst_i,
  input  wire [ID_BITS-1:0]     arid_i,
  input  wire                   arvalid_i,
  input  wire                   arready_i,
  input  wire [DATA_BITS-1:0]   rdata_i,
  input  wire [1:0]             rresp_i,
  input  wire                   rlast_i,
  input  wire [ID_BITS-1:0]     rid_i,
  input  wire                   rvalid_i,
  input  wire                   rready_i,
  input  wire [ADDR_BITS-1:0]   awaddr_i,
  input  wire [7:0]             awlen_i,
  input  wire [2:0]             awsize_i,
  input  wire [1:0]             awburst_i,
  input  wire [ID_BITS-1:0]     awid_i,
  input  wire                   awvalid_i,
  input  wire                   awready_i,
  input  wire [DATA_BITS-1:0]   wdata_i,
  input  wire [DATA_BITS/8-1:0] wstrb_i,
  input  wire                   wlast_i,
  input  wire                   wvalid_i,
  input  wire                   wready_i,
  input  wire [1:0]             bresp_i,
  input  wire [ID_BITS-1:0]     bid_i,
  input  wire                   bvalid_i,
  input  wire                   bready_i,
  output wire                   violation_o
);
  localparam integer NID = 1 << ID_BITS;
  localparam integer LOG_BUS_BYTES = $clog2(DATA_BITS / 8);

  wire [4:0] handshake_violation;
  reg        rule_violation = 1'b0;
  assign violation_o = |handshake_violation || rule_violation;

  sf_handshake_monitor #(.WIDTH(ADDR_BITS + 8 + 3 + 2 + ID_BITS), .NAME({NAME, " AR"})) u_ar (
    .clk_i(clk_i), .rst_ni(rst_ni), .valid_i(arvalid_i), .ready_i(arready_i),
    .payload_i({araddr_i, arlen_i, arsize_i, arburst_i, arid_i}), .violation_o(handshake_violation[0]));
  sf_handshake_monitor #(.WIDTH(DATA_BITS + 2 + 1 + ID_BITS), .NAME({NAME, " R"})) u_r (
    .clk_i(clk_i), .rst_ni(rst_ni), .valid_i(rvalid_i), .ready_i(rready_i),
    .payload_i({rdata_i, rresp_i, rlast_i, rid_i}), .violation_o(handshake_violation[1]));
  sf_handshake_monitor #(.WIDTH(ADDR_BITS + 8 + 3 + 2 + ID_BITS), .NAME({NAME, " AW"})) u_aw (
    .clk_i(clk_i), .rst_ni(rst_ni), .valid_i(awvalid_i), .ready_i(awready_i),
    .payload_i({awaddr_i, awlen_i, awsize_i, awburst_i, awid_i}), .violation_o(handshake_violation[2]));
  sf_handshake_monitor #(.WIDTH(DATA_BITS + DATA_BITS / 8 + 1), .NAME({NAME, " W"})) u_w (
    .clk_i(clk_i), .rst_ni(rst_ni), .valid_i(wvalid_i), .ready_i(wready_i),
    .payload_i({wdata_i, wstrb_i, wlast_i}), .violation_o(handshake_violation[3]));
  sf_handshake_monitor #(.WIDTH(2 + ID_BITS), .NAME({NAME, " B"})) u_b (
    .clk_i(clk_i), .rst_ni(rst_ni), .valid_i(bvalid_i), .ready_i(bready_i),
    .payload_i({bresp_i, bid_i}), .violation_o(handshake_violation[4]));

  reg [63:0] cycle_q = 64'd0;
  always @(posedge clk_i) cycle_q <= cycle_q + 64'd1;
  integer reports = 0;
  task automatic report(input [8*96-1:0] what);
    begin
      rule_violation = 1'b1;
      if (reports < MAX_REPORTS) $display("SF_PROTOCOL %0s: %0s at cycle %0d", NAME, what, cycle_q);
      reports = reports + 1;
    end
  endtask

  // Address checks shared by AR and AW.
  task automatic check_burst(input [8*2-1:0] ch, input [ADDR_BITS-1:0] addr, input [7:0] len,
                             input [2:0] size, input [1:0] burst);
    reg [31:0] page_end;
    begin
      // The first beat may be unaligned; the burst ends (len + 1) transfers from its aligned start.
      page_end = (32'(addr[11:0]) & ~((32'd1 << size) - 32'd1)) + ((32'(len) + 32'd1) << size);
      if (burst == 2'b11) report({ch, " burst type 3 (reserved)"});
      if (32'(size) > LOG_BUS_BYTES) report({ch, " size wider than the data bus"});
      if (burst == 2'b01 && page_end > 32'd4096) report({ch, " INCR burst crosses a 4 KiB boundary"});
      if (burst == 2'b10 && len != 8'd1 && len != 8'd3 && len != 8'd7 && len != 8'd15) report({ch, " WRAP burst of a length other than 2, 4, 8, 16"});
    end
  endtask

  // Reads in flight: per ID, a FIFO of burst lengths and the beat reached in the oldest burst.
  reg [7:0]  rd_len [0:NID*DEPTH-1];
  integer    rd_head [0:NID-1];
  integer    rd_count [0:NID-1];
  integer    rd_beat [0:NID-1];
  // Writes: the lengths of addresses whose data has not all arrived (W follows AW order), the
  // beat reached in the oldest, and per ID the writes waiting for their response.
  reg [7:0]          wr_len [0:DEPTH-1];
  reg [ID_BITS-1:0]  wr_id [0:DEPTH-1];
  integer            wr_head = 0, wr_count = 0, w_beat = 0;
  integer            b_pending [0:NID-1];
  integer            i, slot;

  initial begin
    for (i = 0; i < NID; i = i + 1) begin
      rd_head[i] = 0;
      rd_count[i] = 0;
      rd_beat[i] = 0;
      b_pending[i] = 0;
    end
  end

  always @(posedge clk_i) begin
    if (!rst_ni) begin
      for (i = 0; i < NID; i = i + 1) begin
        rd_head[i] = 0;
        rd_count[i] = 0;
        rd_beat[i] = 0;
        b_pending[i] = 0;
      end
      wr_head = 0;
      wr_count = 0;
      w_beat = 0;
    end else begin
      // Responses first: a response in the same cycle as its request is a violation.
      if (rvalid_i === 1'b1 && rready_i === 1'b1) begin
        if (rd_count[rid_i] == 0) begin
          report("R data for an ID with no read in flight");
        end else begin
          slot = 32'(rid_i) * DEPTH + rd_head[rid_i];
          if (rlast_i !== (rd_beat[rid_i] == 32'(rd_len[slot]))) report("RLAST not on the last beat of the burst");
          if (rd_beat[rid_i] == 32'(rd_len[slot]) || rlast_i === 1'b1) begin
            rd_beat[rid_i] = 0;
            rd_head[rid_i] = (rd_head[rid_i] + 1) % DEPTH;
            rd_count[rid_i] = rd_count[rid_i] - 1;
          end else begin
            rd_beat[rid_i] = rd_beat[rid_i] + 1;
          end
        end
      end
      if (bvalid_i === 1'b1 && bready_i === 1'b1) begin
        if (b_pending[bid_i] == 0) report("B response for an ID with no completed write");
        else b_pending[bid_i] = b_pending[bid_i] - 1;
      end
      if (wvalid_i === 1'b1 && wready_i === 1'b1) begin
        if (wr_count == 0) begin
          report("W data before its write address");
        end else begin
          if (wlast_i !== (w_beat == 32'(wr_len[wr_head]))) report("WLAST not on the last beat of the burst");
          if (w_beat == 32'(wr_len[wr_head]) || wlast_i === 1'b1) begin
            b_pending[wr_id[wr_head]] = b_pending[wr_id[wr_head]] + 1;
            w_beat = 0;
            wr_head = (wr_head + 1) % DEPTH;
            wr_count = wr_count - 1;
          end else begin
            w_beat = w_beat + 1;
          end
        end
      end
      if (arvalid_i === 1'b1 && arready_i === 1'b1) begin
        check_burst("AR", araddr_i, arlen_i, arsize_i, arburst_i);
        if (rd_count[arid_i] == DEPTH) begin
          report("more reads in flight for one ID than the monitor follows");
        end else begin
          rd_len[32'(arid_i) * DEPTH + (rd_head[arid_i] + rd_count[arid_i]) % DEPTH] = arlen_i;
          rd_count[arid_i] = rd_count[arid_i] + 1;
        end
      end
      if (awvalid_i === 1'b1 && awready_i === 1'b1) begin
        check_burst("AW", awaddr_i, awlen_i, awsize_i, awburst_i);
        if (wr_count == DEPTH) begin
          report("more writes awaiting data than the monitor follows");
        end else begin
          wr_len[(wr_head + wr_count) % DEPTH] = awlen_i;
          wr_id[(wr_head + wr_count) % DEPTH] = awid_i;
          wr_count = wr_count + 1;
        end
      end
    end
  end
endmodule

// The AXI4-Lite control interface: the five handshakes, and no response without a request.
module sf_axil_monitor #(
  parameter integer ADDR_BITS = 12,
  parameter NAME = "axi-lite"
) (
  input  wire                 clk_i,
  input  wire                 rst_ni,
  input  wire [ADDR_BITS-1:0] awaddr_i,
  input  wire                 awvalid_i,
  input  wire                 awready_i,
  input  wire [31:0]          wdata_i,
  input  wire [3:0]           wstrb_i,
  input  wire                 wvalid_i,
  input  wire                 wready_i,
  input  wire [1:0]           bresp_i,
  input  wire                 bvalid_i,
  input  wire                 bready_i,
  input  wire [ADDR_BITS-1:0] araddr_i,
  input  wire                 arvalid_i,
  input  wire                 arready_i,
  input  wire [31:0]          rdata_i,
  input  wire [1:0]           rresp_i,
  input  wire                 rvalid_i,
  input  wire                 rready_i,
  output wire                 violation_o
);
  wire [4:0] handshake_violation;
  reg        rule_violation = 1'b0;
  assign violation_o = |handshake_violation || rule_violation;

  sf_handshake_monitor #(.WIDTH(ADDR_BITS), .NAME({NAME, " AW"})) u_aw (
    .clk_i(clk_i), .rst_ni(rst_ni), .valid_i(awvalid_i), .ready_i(awready_i),
    .payload_i(awaddr_i), .violation_o(handshake_violation[0]));
  sf_handshake_monitor #(.WIDTH(36), .NAME({NAME, " W"})) u_w (
    .clk_i(clk_i), .rst_ni(rst_ni), .valid_i(wvalid_i), .ready_i(wready_i),
    .payload_i({wdata_i, wstrb_i}), .violation_o(handshake_violation[1]));
  sf_handshake_monitor #(.WIDTH(2), .NAME({NAME, " B"})) u_b (
    .clk_i(clk_i), .rst_ni(rst_ni), .valid_i(bvalid_i), .ready_i(bready_i),
    .payload_i(bresp_i), .violation_o(handshake_violation[2]));
  sf_handshake_monitor #(.WIDTH(ADDR_BITS), .NAME({NAME, " AR"})) u_ar (
    .clk_i(clk_i), .rst_ni(rst_ni), .valid_i(arvalid_i), .ready_i(arready_i),
    .payload_i(araddr_i), .violation_o(handshake_violation[3]));
  sf_handshake_monitor #(.WIDTH(34), .NAME({NAME, " R"})) u_r (
    .clk_i(clk_i), .rst_ni(rst_ni), .valid_i(rvalid_i), .ready_i(rready_i),
    .payload_i({rdata_i, rresp_i}), .violation_o(handshake_violation[4]));

  // Accepted addresses, data and reads not yet answered.
  integer aw_open = 0, w_open = 0, ar_open = 0;
  reg [63:0] cycle_q = 64'd0;
  always @(posedge clk_i) cycle_q <= cycle_q + 64'd1;
  always @(posedge clk_i) begin
    if (!rst_ni) begin
      aw_open = 0;
      w_open = 0;
      ar_open = 0;
    end else begin
      if (bvalid_i === 1'b1 && bready_i === 1'b1) begin
        if (aw_open == 0 || w_open == 0) begin
          $display("SF_PROTOCOL %0s: B response without a write address and data at cycle %0d", NAME, cycle_q);
          rule_violation = 1'b1;
        end else begin
          aw_open = aw_open - 1;
          w_open = w_open - 1;
        end
      end
      if (rvalid_i === 1'b1 && rready_i === 1'b1) begin
        if (ar_open == 0) begin
          $display("SF_PROTOCOL %0s: R data without a read address at cycle %0d", NAME, cycle_q);
          rule_violation = 1'b1;
        end else begin
          ar_open = ar_open - 1;
        end
      end
      if (awvalid_i === 1'b1 && awready_i === 1'b1) aw_open = aw_open + 1;
      if (wvalid_i === 1'b1 && wready_i === 1'b1) w_open = w_open + 1;
      if (arvalid_i === 1'b1 && arready_i === 1'b1) ar_open = ar_open + 1;
    end
  end
endmodule

`default_nettype wire
