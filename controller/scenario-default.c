// SPDX-License-Identifier: MIT
/*
 * The built-in default scenario: the local backend, isolab-victim in "web",
 * the probe in "client", one neighbour per bomb kind, every bomb alone, all
 * at once, and each again with the victim prioritised, and the baseline's
 * A/A twin: 16 phases. The probe runs open loop at 70 % of the calibrated
 * capacity (32 connections calibrate it; why 70 % and not the key's default
 * 50 %: the comment in the text below). Sized for <= 10 minutes on 2 cores
 * (rounds = auto: 3 rounds of 4 s phases and more while time allows and a
 * verdict is undecided), --quick <= 2 minutes (3 rounds of 1 s phases, up to 6 while a
 * verdict is undecided and the 2 minutes allow).
 */
#include "scenario.h"

#include <stdio.h>

#define DEFAULT_BODY                                                                               \
	"; The victim: isolab-victim (web pages from SQLite), the probe measures it.\n"            \
	"[vm web]\n"                                                                               \
	"role = victim\n"                                                                          \
	"memory_max = 512M\n"                                                                      \
	"\n"                                                                                       \
	"; The measurement workstation; the local backend protects it.\n"                          \
	"[vm client]\n"                                                                            \
	"role = probe\n"                                                                           \
	"\n"                                                                                       \
	"; One noisy neighbour per resource. Limits bound the bombs: the host survives.\n"         \
	"[vm n-cpu]\n"                                                                             \
	"role = neighbor\n"                                                                        \
	"[vm n-mem]\n"                                                                             \
	"role = neighbor\n"                                                                        \
	"memory_max = 256M\n"                                                                      \
	"[vm n-fork]\n"                                                                            \
	"role = neighbor\n"                                                                        \
	"pids_max = 256\n"                                                                         \
	"[vm n-disk]\n"                                                                            \
	"role = neighbor\n"                                                                        \
	"memory_max = 256M\n"                                                                      \
	"[vm n-net]\n"                                                                             \
	"role = neighbor\n"                                                                        \
	"; the far end of the network bombs\n"                                                     \
	"[vm peer]\n"                                                                              \
	"role = neighbor\n"                                                                        \
	"\n"                                                                                       \
	"[probe]\n"                                                                                \
	"vm = client\n"                                                                            \
	"kind = http\n"                                                                            \
	"target = victim\n"                                                                        \
	"concurrency = 32  ; connections: the calibration saturates the victim with them\n"        \
	"; open loop at 70 % of the capacity the calibration measured with the victim\n"           \
	"; alone: above the half of the CPUs an equal-weight neighbour leaves it (at 50 %\n"       \
	"; it would need exactly that half: a knife edge), below the 8/9 weight 2048 gives\n"      \
	"load = 70%\n"                                                                             \
	"timeout = 5s\n"                                                                           \
	"\n"                                                                                       \
	"[bomb cpu]\n"                                                                             \
	"vm = n-cpu\n"                                                                             \
	"kind = cpu\n"                                                                             \
	"[bomb mem]\n"                                                                             \
	"vm = n-mem\n"                                                                             \
	"kind = mem\n"                                                                             \
	"mode = bandwidth\n"                                                                       \
	"[bomb fork]\n"                                                                            \
	"vm = n-fork\n"                                                                            \
	"kind = fork\n"                                                                            \
	"[bomb disk]\n"                                                                            \
	"vm = n-disk\n"                                                                            \
	"kind = disk\n"                                                                            \
	"size = 256M\n"                                                                            \
	"[bomb net-send]\n"                                                                        \
	"vm = n-net\n"                                                                             \
	"kind = net-send\n"                                                                        \
	"to = ${peer}:5201\n"                                                                      \
	"[bomb net-sink]\n"                                                                        \
	"vm = peer\n"                                                                              \
	"kind = net-recv\n"                                                                        \
	"listen = 5201\n"                                                                          \
	"[bomb net-recv]\n"                                                                        \
	"vm = n-net\n"                                                                             \
	"kind = net-recv\n"                                                                        \
	"listen = 5202\n"                                                                          \
	"[bomb net-feed]\n"                                                                        \
	"vm = peer\n"                                                                              \
	"kind = net-send\n"                                                                        \
	"to = ${n-net}:5202\n"                                                                     \
	"\n"                                                                                       \
	"[phase baseline]\n"                                                                       \
	"bombs = none\n"                                                                           \
	"[phase cpu]\n"                                                                            \
	"bombs = cpu\n"                                                                            \
	"[phase cpu+prio]\n"                                                                       \
	"bombs = cpu\n"                                                                            \
	"weight.web = 2048\n"                                                                      \
	"[phase mem]\n"                                                                            \
	"bombs = mem\n"                                                                            \
	"[phase mem+prio]\n"                                                                       \
	"bombs = mem\n"                                                                            \
	"weight.web = 2048\n"                                                                      \
	"[phase fork]\n"                                                                           \
	"bombs = fork\n"                                                                           \
	"[phase fork+prio]\n"                                                                      \
	"bombs = fork\n"                                                                           \
	"weight.web = 2048\n"                                                                      \
	"[phase disk]\n"                                                                           \
	"bombs = disk\n"                                                                           \
	"[phase disk+prio]\n"                                                                      \
	"bombs = disk\n"                                                                           \
	"weight.web = 2048\n"                                                                      \
	"[phase net-send]\n"                                                                       \
	"bombs = net-send, net-sink\n"                                                             \
	"[phase net-send+prio]\n"                                                                  \
	"bombs = net-send, net-sink\n"                                                             \
	"weight.web = 2048\n"                                                                      \
	"[phase net-recv]\n"                                                                       \
	"bombs = net-recv, net-feed\n"                                                             \
	"[phase net-recv+prio]\n"                                                                  \
	"bombs = net-recv, net-feed\n"                                                             \
	"weight.web = 2048\n"                                                                      \
	"; the extreme case: every bomb at once\n"                                                 \
	"[phase all]\n"                                                                            \
	"bombs = all\n"                                                                            \
	"[phase all+prio]\n"                                                                       \
	"bombs = all\n"                                                                            \
	"weight.web = 2048\n"

static const char default_full[] =
	"; isolab default scenario (isolab run --print-default > my.ini to edit)\n"
	"[global]\n"
	"name = default\n"
	"backend = local\n"
	"duration = 4s      ; probe measurement per phase and round\n"
	"warmup = 1s\n"
	"cooldown = 2s      ; at most, waiting for the host, then the victim, to settle\n"
	"rounds = auto      ; until every verdict is decided (at least 3)\n"
	"max_rounds = 8\n"
	"max_time = 9m\n"
	"victim_pages = 5000\n"
	"\n" DEFAULT_BODY;

static const char default_quick[] =
	"; isolab default scenario, --quick\n"
	"[global]\n"
	"name = default-quick\n"
	"backend = local\n"
	"duration = 1s\n"
	"warmup = 300ms\n"
	"cooldown = 500ms\n"
	"rounds = auto      ; 3, and more while a verdict is undecided\n"
	"max_rounds = 6\n"
	"max_time = 2m\n"
	"victim_pages = 2000\n"
	"\n" DEFAULT_BODY;

const char *scenario_default_text(bool quick)
{
	return quick ? default_quick : default_full;
}
