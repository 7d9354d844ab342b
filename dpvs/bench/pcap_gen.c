/*
 * Writes the pcap files `make bench` replays: 60-byte Ethernet/IPv4/TCP
 * frames (64 on the wire with the FCS), or 74-byte Ethernet/IPv6/TCP
 * ones (78 on the wire; kinds syn6, ack6, feed6), from clients to the
 * VIP, with correct IP and TCP checksums.  scapy is far too slow for 10
 * million.
 *
 *   pcap_gen FILE syn N NSVC        N SYNs, flow 0..N-1 in order
 *   pcap_gen FILE ack N NSVC COUNT  COUNT ACKs of flows spread over 0..N-1
 *   pcap_gen FIFO feed N NSVC GO    frames for another host (dropped at
 *                                   once) until file GO exists, then the
 *                                   N SYNs, then end of file
 *   pcap_gen FILE reply N NW COUNT  COUNT server ACKs (FullNAT replies) of
 *                                   flows spread over 0..N-1, IPv4 only
 *
 * `feed` fills a connection table after dpvs is configured: a net_pcap
 * port reading a FIFO starts at once, and dpvs has no port start/stop.
 *
 * Flow i: 10.64.0.0 + i/256 : 1024 + i%256 -> 10.0.0.100 : 80 + i%NSVC;
 * in IPv6, [2001:db8:40::] + i/256 : 1024 + i%256 -> [2001:db8::100] :
 * 80 + i%NSVC (the same frames serve FullNAT v6 and NAT64: they differ
 * only in what dpvs sends out).
 * Reply i: 10.0.9.2 : 80 -> 10.0.10.1 : the local port FullNAT gave flow
 * i, as dpvs hands them out when worker 0 of NW makes all N connections
 * of one service with one local address, in flow order: the ports p >=
 * 1024 with p % NW == 0, ascending (ipvs_ports.c).  The bench checks
 * that against dpvs's own listing.
 * ACKs visit flow (j * P) mod N for j = 0..COUNT-1, P a prime above 10^7:
 * every flow once when COUNT >= N, otherwise COUNT flows scattered over
 * the whole table (so lookups miss the caches as they would in life).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FRAME 60
#define FRAME6 74
#define STRIDE 15485863ull   /* prime, above any N used here */

struct pcap_rec {
	uint32_t sec, usec, caplen, len;
};

static uint16_t csum_fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t s)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	return s;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static int put_frame(FILE *out, const uint8_t *f, uint32_t len, uint64_t j)
{
	struct pcap_rec r = { 0, (uint32_t)(j % 1000000), len, len };

	return fwrite(&r, sizeof(r), 1, out) == 1 && fwrite(f, len, 1, out) == 1;
}

static void tcp_hdr(uint8_t *tcp, uint64_t flow, unsigned nsvc, int syn)
{
	put16(tcp, (uint16_t)(1024 + (flow & 255)));
	put16(tcp + 2, (uint16_t)(80 + flow % nsvc));
	put32(tcp + 4, syn ? 1000 : 1001);
	put32(tcp + 8, syn ? 0 : 1);
	tcp[12] = 5 << 4;
	tcp[13] = syn ? 0x02 : 0x10;
	put16(tcp + 14, 65535);
}

static void eth_hdr(uint8_t *f, uint16_t type)
{
	memset(f, 0xff, 6);                                  /* broadcast */
	memcpy(f + 6, "\x02\x00\x00\x00\x00\x02", 6);
	put16(f + 12, type);
}

static void frame(uint8_t *f, uint64_t flow, unsigned nsvc, int syn)
{
	uint8_t *ip = f + 14, *tcp = ip + 20;
	uint32_t saddr = 0x0a400000u + (uint32_t)(flow >> 8);
	uint32_t daddr = 0x0a000064u;
	uint32_t s;

	memset(f, 0, FRAME);
	eth_hdr(f, 0x0800);
	ip[0] = 0x45;
	put16(ip + 2, 40);
	ip[8] = 64;
	ip[9] = 6;
	put32(ip + 12, saddr);
	put32(ip + 16, daddr);
	put16(ip + 10, csum_fold(sum16(ip, 20, 0)));
	tcp_hdr(tcp, flow, nsvc, syn);
	s = (saddr >> 16) + (saddr & 0xffff) + (daddr >> 16) + (daddr & 0xffff) +
	    6 + 20;
	put16(tcp + 16, csum_fold(sum16(tcp, 20, s)));
}

/* A real server's ACK to the local address: the reply of flow i. */
static void reply(uint8_t *f, uint64_t flow, unsigned nw, int syn)
{
	uint8_t *tcp = f + 14 + 20;
	uint32_t saddr = 0x0a000902u, daddr = 0x0a000a01u, s;
	uint16_t lport = (uint16_t)((1024 + nw - 1) / nw * nw + flow * nw);

	frame(f, 0, 1, syn);
	put32(f + 14 + 12, saddr);
	put32(f + 14 + 16, daddr);
	put16(f + 14 + 10, 0);
	put16(f + 14 + 10, csum_fold(sum16(f + 14, 20, 0)));
	put16(tcp, 80);
	put16(tcp + 2, lport);
	put32(tcp + 4, 5000);
	put32(tcp + 8, 1001);
	put16(tcp + 16, 0);
	s = (saddr >> 16) + (saddr & 0xffff) + (daddr >> 16) + (daddr & 0xffff) +
	    6 + 20;
	put16(tcp + 16, csum_fold(sum16(tcp, 20, s)));
}

/* The pseudo-header's addresses are the IPv6 header's last 32 bytes. */
static void frame6(uint8_t *f, uint64_t flow, unsigned nsvc, int syn)
{
	static const uint8_t cl[8] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x40, 0, 0 };
	static const uint8_t vip[16] = { 0x20, 0x01, 0x0d, 0xb8, [14] = 1,
					 [15] = 0 };
	uint8_t *ip = f + 14, *tcp = ip + 40;

	memset(f, 0, FRAME6);
	eth_hdr(f, 0x86dd);
	ip[0] = 0x60;
	put16(ip + 4, 20);
	ip[6] = 6;
	ip[7] = 64;
	memcpy(ip + 8, cl, sizeof(cl));
	put32(ip + 20, (uint32_t)(flow >> 8));
	memcpy(ip + 24, vip, sizeof(vip));
	tcp_hdr(tcp, flow, nsvc, syn);
	put16(tcp + 16, csum_fold(sum16(tcp, 20, sum16(ip + 8, 32, 6 + 20))));
}

int main(int argc, char **argv)
{
	static const uint32_t hdr[6] = { 0xa1b2c3d4, 0x00040002, 0, 0, 65535, 1 };
	uint8_t f[FRAME6];
	unsigned long long n, count, j = 0;
	unsigned nsvc;
	char kind[8] = "";
	size_t kl = argc > 2 ? strlen(argv[2]) : 0;
	int v6 = kl > 1 && argv[2][kl - 1] == '6' && kl < sizeof(kind);
	uint32_t len = v6 ? FRAME6 : FRAME;
	void (*make)(uint8_t *, uint64_t, unsigned, int) = v6 ? frame6 : frame;
	int syn, feed, rep;
	FILE *out;

	if (kl < sizeof(kind))
		memcpy(kind, argv[2], kl - (size_t)v6);
	syn = !strcmp(kind, "syn");
	feed = !strcmp(kind, "feed");
	rep = !strcmp(kind, "reply") && !v6;
	if (argc < 5 || (!syn && !feed && !rep && strcmp(kind, "ack")) ||
	    (!syn && argc < 6)) {
		fprintf(stderr, "usage: pcap_gen FILE syn[6] N NSVC | FILE ack[6] N NSVC COUNT"
			" | FIFO feed[6] N NSVC GO | FILE reply N NW COUNT\n");
		return 2;
	}
	if (rep)
		make = reply;
	n = strtoull(argv[3], NULL, 10);
	nsvc = (unsigned)strtoul(argv[4], NULL, 10);
	count = syn || feed ? n : strtoull(argv[5], NULL, 10);
	if (n == 0 || n >= STRIDE || nsvc == 0 || nsvc > 1000) {
		fprintf(stderr, "pcap_gen: N must be 1..%llu, NSVC 1..1000\n",
			STRIDE - 1);
		return 2;
	}
	if (rep && (1024 + nsvc - 1) / nsvc * nsvc + (n - 1) * nsvc > 65535) {
		fprintf(stderr, "pcap_gen: reply: N x NW must fit one local "
			"address's ports (1024..65535)\n");
		return 2;
	}
	out = fopen(argv[1], "wb");
	if (!out || fwrite(hdr, sizeof(hdr), 1, out) != 1) {
		perror(argv[1]);
		return 1;
	}
	setvbuf(out, NULL, _IOFBF, 1 << 16);
	if (feed) {
		make(f, 0, 1, 1);
		f[0] = 0x02;                /* unicast, not the port's MAC */
		for (; access(argv[5], F_OK) != 0; j++)
			for (int k = 0; k < 4096; k++)
				if (!put_frame(out, f, len, j)) {
					perror(argv[1]);
					return 1;
				}
	}
	for (unsigned long long i = 0; i < count; i++, j++) {
		make(f, syn || feed ? i : i * STRIDE % n, nsvc, syn || feed);
		if (!put_frame(out, f, len, j)) {
			perror(argv[1]);
			return 1;
		}
	}
	if (fclose(out) != 0) {
		perror(argv[1]);
		return 1;
	}
	return 0;
}
