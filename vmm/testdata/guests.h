/* Constants guests.S needs from headers the assembler cannot read;
 * mkguest.c checks them against the real ones. */
#ifndef HUSK_VMM_TEST_GUESTS_H
#define HUSK_VMM_TEST_GUESTS_H

#define CONSOLE_OFF     0x2000 /* console ring, from the boot info */
#define BI_MAGIC        0x6f6f426b73754855 /* HUSK_BOOT_MAGIC */
#define BI_VERSION      2                  /* HUSK_BOOT_VERSION */
#define BI_PLATFORM_VMM 1                  /* HUSK_PLATFORM_VMM */
#define BI_OFF_VERSION  8
#define BI_OFF_PLATFORM 16
#define BI_OFF_WALL_NS  48
#define BI_OFF_TSC_ENTRY 56
#define BI_OFF_NMEM     80

#endif
