CREATE TABLE `checkpoint` (
  `stream` varchar(64) NOT NULL,
  `worker` int(11) NOT NULL,
  `seq` bigint(20) unsigned NOT NULL,
  `pos` varchar(512) NOT NULL,
  `ts` bigint(20) NOT NULL,
  `updated` timestamp(6) NOT NULL DEFAULT current_timestamp(6) ON UPDATE current_timestamp(6),
  PRIMARY KEY (`stream`,`worker`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci COMMENT='godwit incremental apply checkpoints; one row per apply worker'
