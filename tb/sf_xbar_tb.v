// Block-level testbench of the memory crossbar (sf_mem_xbar) alone: active read requesters keep a
// 4-beat read burst request up at all times, each to its own address range; each channel's memory
// answers in order after LATENCY cycles, one beat a cycle, with data that names the beat's
// address. Write requesters stay idle. Prints, after CYCLES cycles, every requester's granted
// bursts and received beats, and the most bulk bursts that were ever in flight at once; any beat
// that reaches the wrong requester, out of order or with a misplaced RLAST is an error.
// Used by generator/arch/xbar.test.ts.
//
// +active=MASK  read requesters that request (bit r: requester r)
// +bulk=MASK    read requesters marked bandwidth-bound (rd_bulk_i)
`timescale 1ns / 1ps
module sf_xbar_tb #(
  parameter integer NRR = 9,
  parameter integer NWR = 5,
  parameter integer NC = 2,
  parameter integer AW = 32,
  parameter integer BUS_BITS = 128,
  parameter integer IDW = 3,
  parameter integer LATENCY = 20,
  parameter integer CYCLES = 4000
);
  localparam integer BURST = 4;
  localparam integer BYTES = BUS_BITS / 8;
  localparam integer QDEPTH = 64;

  reg clk = 1'b0;
  reg rst_n = 1'b0;
  always #5 clk = ~clk;

  reg [31:0] active = 32'd0;
  reg [31:0] bulk = 32'd0;

  // Requesters.
  reg  [NRR*AW-1:0] ar_addr;
  wire [NRR*8-1:0]  ar_len = {NRR{8'(BURST - 1)}};
  reg  [NRR-1:0]    ar_valid;
  reg  [NRR-1:0]    ar_fired;   // the handshake of this cycle, sampled before the edge
  wire [NRR-1:0]    ar_ready;
  wire [NRR*BUS_BITS-1:0] r_data;
  wire [NRR*2-1:0]  r_resp;
  wire [NRR-1:0]    r_last, r_valid;

  // Channels.
  wire [NC*AW-1:0]  ch_ar_addr;
  wire [NC*8-1:0]   ch_ar_len;
  wire [NC*IDW-1:0] ch_ar_id;
  wire [NC-1:0]     ch_ar_valid;
  reg  [NC-1:0]     ch_ar_ready;
  reg  [NC*BUS_BITS-1:0] ch_r_data;
  reg  [NC*IDW-1:0] ch_r_id;
  reg  [NC-1:0]     ch_r_last, ch_r_valid;
  wire [NC-1:0]     ch_r_ready;
  wire [NC*AW-1:0]  ch_aw_addr;
  wire [NC*8-1:0]   ch_aw_len;
  wire [NC*IDW-1:0] ch_aw_id;
  wire [NC-1:0]     ch_aw_valid, ch_w_valid, ch_w_last, ch_b_ready;
  wire [NC*BUS_BITS-1:0] ch_w_data;
  wire [NWR-1:0]    aw_ready, w_ready, b_valid;
  wire [NWR*2-1:0]  b_resp;

  sf_mem_xbar u_xbar (
    .clk_i         (clk),
    .rst_ni        (rst_n),
    .rd_bulk_i     (bulk[NRR-1:0]),
    .wr_bulk_i     ({NWR{1'b0}}),
    .ar_addr_i     (ar_addr),
    .ar_len_i      (ar_len),
    .ar_valid_i    (ar_valid),
    .ar_ready_o    (ar_ready),
    .r_data_o      (r_data),
    .r_resp_o      (r_resp),
    .r_last_o      (r_last),
    .r_valid_o     (r_valid),
    .r_ready_i     ({NRR{1'b1}}),
    .aw_addr_i     ({NWR*AW{1'b0}}),
    .aw_len_i      ({NWR*8{1'b0}}),
    .aw_valid_i    ({NWR{1'b0}}),
    .aw_ready_o    (aw_ready),
    .w_data_i      ({NWR*BUS_BITS{1'b0}}),
    .w_last_i      ({NWR{1'b0}}),
    .w_valid_i     ({NWR{1'b0}}),
    .w_ready_o     (w_ready),
    .b_resp_o      (b_resp),
    .b_valid_o     (b_valid),
    .b_ready_i     ({NWR{1'b1}}),
    .ch_ar_addr_o  (ch_ar_addr),
    .ch_ar_len_o   (ch_ar_len),
    .ch_ar_id_o    (ch_ar_id),
    .ch_ar_valid_o (ch_ar_valid),
    .ch_ar_ready_i (ch_ar_ready),
    .ch_r_data_i   (ch_r_data),
    .ch_r_resp_i   ({NC*2{1'b0}}),
    .ch_r_last_i   (ch_r_last),
    .ch_r_id_i     (ch_r_id),
    .ch_r_valid_i  (ch_r_valid),
    .ch_r_ready_o  (ch_r_ready),
    .ch_aw_addr_o  (ch_aw_addr),
    .ch_aw_len_o   (ch_aw_len),
    .ch_aw_id_o    (ch_aw_id),
    .ch_aw_valid_o (ch_aw_valid),
    .ch_aw_ready_i ({NC{1'b1}}),
    .ch_w_data_o   (ch_w_data),
    .ch_w_last_o   (ch_w_last),
    .ch_w_valid_o  (ch_w_valid),
    .ch_w_ready_i  ({NC{1'b1}}),
    .ch_b_resp_i   ({NC*2{1'b0}}),
    .ch_b_id_i     ({NC*IDW{1'b0}}),
    .ch_b_valid_i  ({NC{1'b0}}),
    .ch_b_ready_o  (ch_b_ready)
  );

  // Each requester's bursts: granted, beats received, and the address the next beat must name.
  integer granted [0:NRR-1];
  integer beats [0:NRR-1];
  integer in_flight [0:NRR-1];
  reg [AW-1:0] next_beat [0:NRR-1];
  integer bulk_now, bulk_max, errors, cycle, r, c, k;

  // Memories: per channel, a queue of accepted bursts (address, id, cycle it may start).
  reg [AW-1:0]  q_addr [0:NC-1][0:QDEPTH-1];
  reg [IDW-1:0] q_id   [0:NC-1][0:QDEPTH-1];
  integer       q_due  [0:NC-1][0:QDEPTH-1];
  integer q_head [0:NC-1];
  integer q_tail [0:NC-1];
  integer q_beat [0:NC-1];

  initial begin
    if (!$value$plusargs("active=%d", active)) active = 32'd0;
    if (!$value$plusargs("bulk=%d", bulk)) bulk = 32'd0;
    for (r = 0; r < NRR; r = r + 1) begin
      granted[r] = 0; beats[r] = 0; in_flight[r] = 0;
      next_beat[r] = AW'(r) << 20;
    end
    for (c = 0; c < NC; c = c + 1) begin
      q_head[c] = 0; q_tail[c] = 0; q_beat[c] = 0;
    end
    bulk_max = 0; errors = 0;
    ar_valid = '0; ar_addr = '0; ar_fired = '0;
    ch_ar_ready = '0; ch_r_valid = '0; ch_r_last = '0; ch_r_data = '0; ch_r_id = '0;
    repeat (3) @(posedge clk);
    @(negedge clk) rst_n = 1'b1;
    for (r = 0; r < NRR; r = r + 1) begin
      ar_addr[r*AW +: AW] = AW'(r) << 20;
      ar_valid[r] = active[r];
    end
    for (cycle = 0; cycle < CYCLES; cycle = cycle + 1) begin
      // Drive the memories' outputs for this cycle (at the falling edge).
      for (c = 0; c < NC; c = c + 1) begin
        ch_ar_ready[c] = (q_tail[c] - q_head[c]) < QDEPTH;
        if (q_head[c] != q_tail[c] && q_due[c][q_head[c] % QDEPTH] <= cycle) begin
          ch_r_valid[c] = 1'b1;
          ch_r_id[c*IDW +: IDW] = q_id[c][q_head[c] % QDEPTH];
          ch_r_data[c*BUS_BITS +: BUS_BITS] = BUS_BITS'(q_addr[c][q_head[c] % QDEPTH] + AW'(q_beat[c] * BYTES));
          ch_r_last[c] = q_beat[c] == BURST - 1;
        end else begin
          ch_r_valid[c] = 1'b0;
          ch_r_last[c] = 1'b0;
        end
      end
      // Sample the handshakes just before the rising edge, once everything has settled.
      #4;
      bulk_now = 0;
      for (r = 0; r < NRR; r = r + 1) begin
        ar_fired[r] = ar_valid[r] && ar_ready[r];
        if (ar_fired[r]) begin
          granted[r] = granted[r] + 1;
          in_flight[r] = in_flight[r] + 1;
        end
        if (r_valid[r]) begin
          if (r_data[r*BUS_BITS +: AW] != next_beat[r]) begin
            $display("SF_XBAR_ERROR requester %0d got beat %h, expected %h", r, r_data[r*BUS_BITS +: AW], next_beat[r]);
            errors = errors + 1;
          end
          if (r_last[r] != (((beats[r] + 1) % BURST) == 0)) begin
            $display("SF_XBAR_ERROR requester %0d: RLAST misplaced on beat %0d", r, beats[r]);
            errors = errors + 1;
          end
          next_beat[r] = next_beat[r] + AW'(BYTES);
          beats[r] = beats[r] + 1;
          if (r_last[r]) in_flight[r] = in_flight[r] - 1;
        end
        if (bulk[r]) bulk_now = bulk_now + in_flight[r];
      end
      if (bulk_now > bulk_max) bulk_max = bulk_now;
      for (c = 0; c < NC; c = c + 1) begin
        if (ch_ar_valid[c] && ch_ar_ready[c]) begin
          if (ch_ar_len[c*8 +: 8] != 8'(BURST - 1)) begin
            $display("SF_XBAR_ERROR channel %0d: burst length %0d", c, ch_ar_len[c*8 +: 8] + 1);
            errors = errors + 1;
          end
          q_addr[c][q_tail[c] % QDEPTH] = ch_ar_addr[c*AW +: AW];
          q_id[c][q_tail[c] % QDEPTH] = ch_ar_id[c*IDW +: IDW];
          q_due[c][q_tail[c] % QDEPTH] = cycle + LATENCY;
          q_tail[c] = q_tail[c] + 1;
        end
        if (ch_r_valid[c] && ch_r_ready[c]) begin
          q_beat[c] = q_beat[c] + 1;
          if (q_beat[c] == BURST) begin
            q_beat[c] = 0;
            q_head[c] = q_head[c] + 1;
          end
        end
      end
      @(posedge clk);
      @(negedge clk);
      // A granted request moves on to the requester's next burst.
      for (r = 0; r < NRR; r = r + 1) begin
        if (ar_fired[r]) ar_addr[r*AW +: AW] = ar_addr[r*AW +: AW] + AW'(BURST * BYTES);
      end
    end
    for (r = 0; r < NRR; r = r + 1) $display("SF_XBAR requester %0d granted %0d beats %0d", r, granted[r], beats[r]);
    $display("SF_XBAR bulk_max %0d errors %0d", bulk_max, errors);
    $finish;
  end
endmodule
